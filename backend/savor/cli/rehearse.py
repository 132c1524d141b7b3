"""`savor rehearse`: run a protocol with synthetic phones through the real service, on a
simulated clock, and write the exports, report.json and report.html."""

import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from savor.cli.common import err, fail, out
from savor.rehearsal.model import load_model
from savor.rehearsal.run import DEFAULT_START, Options, rehearse_blocking
from savor.studies.protocol import ProtocolError


def rehearse_command(
    protocol: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="PROTOCOL.yaml")],
    participants: Annotated[int, typer.Option(min=1, max=100_000)] = 20,
    weeks: Annotated[int, typer.Option(min=1, max=104)] = 2,
    seed: Annotated[int, typer.Option(help="the same seed gives the same participants")] = 1,
    out_dir: Annotated[Path, typer.Option("--out", help="where exports and reports go")] = Path(
        "rehearsal"
    ),
    model: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="behaviour model YAML/JSON")
    ] = None,
    database_url: Annotated[
        str | None, typer.Option(help="an EMPTY database to use (default: a new SQLite file)")
    ] = None,
    over_http: Annotated[
        bool,
        typer.Option(
            "--http",
            help="phones talk to the service over HTTP on a loopback port instead of over ASGI",
        ),
    ] = False,
    tick_seconds: Annotated[
        int,
        typer.Option(
            min=1, max=600, help="the ticker's interval, as SAVOR_SCHEDULER_INTERVAL_SECONDS"
        ),
    ] = 30,
    start: Annotated[
        datetime | None, typer.Option(help="simulated start, UTC (default 2027-03-08 06:00)")
    ] = None,
) -> None:
    """Rehearse a whole trial before it starts: synthetic phones through the real service."""
    try:
        behaviour = load_model(model)
    except (ValueError, TypeError) as exc:
        raise fail(f"Model file: {exc}") from exc
    if out_dir.exists() and any(out_dir.iterdir()):
        raise fail(f"{out_dir} is not empty: a rehearsal writes into a new or empty directory.")
    begins = DEFAULT_START if start is None else start.replace(tzinfo=DEFAULT_START.tzinfo)
    options = Options(
        protocol=protocol,
        participants=participants,
        weeks=weeks,
        out=out_dir,
        seed=seed,
        model=behaviour,
        database_url=database_url,
        start=begins,
        over_http=over_http,
        tick_seconds=tick_seconds,
    )
    logging.getLogger().setLevel(logging.WARNING)  # a request log line per phone call drowns all
    try:
        outcome = rehearse_blocking(options)
    except ProtocolError as exc:
        raise fail(f"{protocol}: {exc}") from exc
    burden = outcome.report["prompts_per_participant_per_day"]
    out.print(
        f"Rehearsed {participants} participants over {weeks} weeks in {outcome.seconds:.0f} s: "
        f"{burden['mean']} prompts a day on average (max {burden['max']})."
    )
    out.print(
        f"Report: {out_dir / 'report.html'} and report.json; exports in {out_dir / 'exports'}"
    )
    for warning in outcome.report["protocol_warnings"]:
        err.print(f"[yellow]Warning: {warning}[/yellow]")
    if not outcome.ok:
        for name, problems in outcome.problems.items():
            for problem in problems[:20]:
                err.print(f"[red]{name}: {problem}[/red]")
            if problems:
                err.print(f"[red]{name}: {len(problems)} violation(s) in all[/red]")
        raise typer.Exit(1)
    out.print("[green]All invariants hold.[/green]")
