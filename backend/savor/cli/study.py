"""`savor study`: create studies, list them, and apply their protocols."""

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from savor.cli.common import err, fail, out, session_for, settings
from savor.clock import utcnow
from savor.ema.study_instruments import checked_protocol, register_own
from savor.research import service as research_service
from savor.studies import service as studies_service
from savor.studies.protocol import ProtocolError

study_app = typer.Typer(help="Studies and their protocols.", no_args_is_help=True)


@study_app.command("create")
def study_create(
    slug: str, name: Annotated[str, typer.Option(help="the study's display name")]
) -> None:
    """Create a study with the default protocol."""
    with session_for(settings()) as session:
        try:
            checked_protocol(studies_service.protocol_source_for(slug=slug, name=name))
            study = studies_service.create_study(
                session=session, slug=slug, name=name, now=utcnow()
            )
        except ProtocolError as exc:
            raise fail(f"Cannot create '{slug}': {exc}") from exc
        out.print(f"Created study [bold]{study.slug}[/bold] with protocol version 1.")


@study_app.command("list")
def study_list() -> None:
    """List studies with their protocol versions and participants."""
    with session_for(settings()) as session:
        table = Table("slug", "name", "protocol", "participants", "active")
        for study in studies_service.list_studies(session=session):
            info = research_service.study_public(session=session, study=study)
            table.add_row(
                info.slug,
                info.name,
                str(info.protocol_version),
                str(info.participants),
                str(info.active_participants),
            )
        out.print(table)


@study_app.command("apply")
def study_apply(protocol: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Store PROTOCOL.yaml as its study's next protocol version (creating the study if new)."""
    with session_for(settings()) as session:
        source = protocol.read_text("utf-8")
        try:
            register_own(session=session, document=checked_protocol(source))
            study, changed = studies_service.apply_protocol(
                session=session, source=source, now=utcnow()
            )
        except ProtocolError as exc:
            err.print(f"[red]{protocol} has {len(exc.problems)} problem(s):[/red]")
            for problem in exc.problems:
                err.print(f"  - {problem}")
            raise typer.Exit(1) from exc
        verb = "now at" if changed else "unchanged, still at"
        out.print(f"Study {study.slug}: {verb} protocol version {study.active_protocol_version}.")
