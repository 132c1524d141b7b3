"""What every `savor` command shares: its consoles, its settings, a session, a study by slug."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlmodel import Session

from savor import filemodes
from savor.config import Settings
from savor.db import make_engine
from savor.errors import AppError
from savor.studies import service as studies_service
from savor.studies.models import Study

# soft_wrap: tokens, codes and paths must never be broken across lines.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def settings() -> Settings:
    try:
        found = Settings()
    except ValidationError as exc:
        for error in exc.errors():
            err.print(f"[red]Setting {'.'.join(map(str, error['loc']))}: {error['msg']}[/red]")
        raise typer.Exit(2) from exc
    database = found.resolved_database_url.removeprefix("sqlite:///")
    for warning in filemodes.loose_permissions(
        found.data_dir, Path(database) if found.is_sqlite else None
    ):
        err.print(f"[yellow]Warning: {warning}[/yellow]")
    return found


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]{message}[/red]")
    return typer.Exit(code)


@contextmanager
def session_for(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.resolved_database_url)
    try:
        with Session(engine) as session:
            yield session
    except AppError as error:
        raise fail(error.message) from error
    finally:
        engine.dispose()


def study_by_slug(session: Session, slug: str) -> Study:
    study = studies_service.get_study(session=session, slug=slug)
    if study is None:
        raise fail(f"No study '{slug}'. 'savor study list' shows the studies there are.")
    return study
