"""`savor instrument import`: a REDCap data dictionary as a Savor instrument YAML file."""

from pathlib import Path
from typing import Annotated

import typer
import yaml

from savor.cli.common import err, fail
from savor.content_loader import ContentError
from savor.ema.instruments import parse_instrument
from savor.ema.redcap_import import DictionaryError, import_dictionary

instrument_app = typer.Typer(help="Check-in and questionnaire instruments.", no_args_is_help=True)


@instrument_app.command("import")
def import_redcap(
    dictionary: Annotated[Path, typer.Argument(help="a REDCap data dictionary (CSV)")],
    form: Annotated[
        str | None, typer.Option(help="the form to import (the first by default)")
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="write the YAML here (printed when not given)")
    ] = None,
) -> None:
    """Turn one form of a REDCap data dictionary into an instrument file, and list what could
    not be carried over. Add the file to content/instruments and its id to the protocol."""
    try:
        imported = import_dictionary(dictionary.read_text("utf-8-sig"), form=form)
        # Checked as every shipped instrument is, so the file loads as it is written.
        parse_instrument(imported.instrument, source=dictionary.name)
    except (OSError, DictionaryError) as exc:
        raise fail(str(exc)) from exc
    except ContentError as exc:
        raise fail("; ".join(exc.problems)) from exc
    text = yaml.safe_dump(imported.instrument, allow_unicode=True, sort_keys=False, width=100)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, "utf-8")
        err.print(f"Wrote {output}")
    if imported.not_carried:
        err.print("Not carried over:")
        for line in imported.not_carried:
            err.print(f"  - {line}", markup=False)
