"""`savor export`: a dataset written to a file, byte for byte what the research API sends."""

from pathlib import Path
from typing import Annotated, get_args

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import Engine
from sqlmodel import Session

from savor.cli.common import err, fail, out, session_for, settings, study_by_slug
from savor.clock import utcnow
from savor.research.exports import run as export_run
from savor.research.exports import service as export_service
from savor.studies.models import Study


def _write_export(plan: export_service.Plan, study: Study, session: Session, to: Path) -> None:
    total = export_run.count_records(session=session, plan=plan)
    engine: Engine = session.get_bind()  # type: ignore[assignment]
    done = export_run.completion(engine=engine, study=study, token=None, plan=plan)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=err) as progress, to.open("wb") as file:
        task = progress.add_task(f"{study.slug} {plan.request.dataset}", total=total)

        def advance(records: int) -> None:
            progress.advance(task, records)

        for chunk in export_run.stream(plan, engine=engine, progress=advance, done=done):
            file.write(chunk)


def export(
    study: str,
    dataset: Annotated[
        str,
        typer.Argument(
            help=(
                "responses, prompts, practice_sessions, participants, participant_states, "
                "offers, decisions, scores"
            )
        ),
    ],
    to: Annotated[Path, typer.Option("--out", help="the file to write", dir_okay=False)],
    fmt: Annotated[str, typer.Option("--format", help="csv, ndjson or fhir")] = "csv",
    shape: Annotated[str, typer.Option(help="long, wide or redcap (responses only)")] = "long",
    since: Annotated[int, typer.Option(min=0, help="'next --since' of the last export")] = 0,
    free_text: Annotated[bool, typer.Option("--free-text", help="include free text")] = False,
    instrument: Annotated[
        str | None, typer.Option(help="responses of this instrument only")
    ] = None,
) -> None:
    """Write a dataset to a file, byte for byte what the research API sends; audited."""
    choices = (dataset, export_service.Dataset), (fmt, export_service.Format)
    for value, allowed in (*choices, (shape, export_service.Shape)):
        if value not in get_args(allowed):
            raise fail(f"'{value}' is not one of: {', '.join(get_args(allowed))}.", 2)
    found_settings = settings()
    request = export_service.ExportRequest(
        dataset=dataset,  # type: ignore[arg-type]
        format=fmt,  # type: ignore[arg-type]
        shape=shape,  # type: ignore[arg-type]
        since=since,
        free_text=free_text,
        instrument=instrument,
    )
    with session_for(found_settings) as session:
        found = study_by_slug(session, study)
        plan = export_run.begin_export(session=session, study=found, request=request, now=utcnow())
        _write_export(plan, found, session, to)
    out.print(f"Wrote {to}. Next time use --since {plan.until}")
