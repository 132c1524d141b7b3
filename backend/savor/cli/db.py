"""`savor db`: the schema's migrations and SQLite backups."""

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from savor import filemodes, migrate
from savor.cli.common import fail, out, settings
from savor.db import make_engine

db_app = typer.Typer(help="Database schema and backups.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    migrate.upgrade(settings().resolved_database_url, revision)
    out.print(f"Database is at {revision}.")


@db_app.command("current")
def db_current() -> None:
    """Show the database's migration and whether it is the newest."""
    engine = make_engine(settings().resolved_database_url)
    current = migrate.current_revision(engine)
    engine.dispose()
    head = migrate.head_revision()
    state = "up to date" if current == head else f"behind; newest is {head}"
    out.print(f"{current or 'empty'} ({state})")


@db_app.command("backup")
def db_backup(
    to: Annotated[Path | None, typer.Option(help="file to write; default data/backups/…")] = None,
) -> None:
    """Copy the SQLite database consistently while the server keeps running."""
    found = settings()
    if not found.is_sqlite:
        raise fail("On PostgreSQL, back up with pg_dump (see README, Operations).")
    source = found.resolved_database_url.removeprefix("sqlite:///")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = to or found.data_dir / "backups" / f"savor-{stamp}.db"
    filemodes.make_private_dir(target.parent)
    target.touch(mode=0o600)
    target.chmod(0o600)  # a copy of every study secret, even where --to names an old file
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)  # SQLite's online backup: a consistent copy beside live writers
    out.print(f"Backup written to {target}")
