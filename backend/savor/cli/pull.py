"""`savor pull`: a local mirror of a study's datasets, through the research API."""

import os
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.table import Table

from savor import mirror
from savor.cli.common import err, fail, out
from savor.clock import utcnow

LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def pull(
    directory: Annotated[Path, typer.Argument(file_okay=False, help="the mirror's folder")],
    url: Annotated[str, typer.Option(help="the server, e.g. https://savor.example.org")],
    token_file: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="a file holding a research token")
    ],
    study: Annotated[str, typer.Option(help="study slug")],
) -> None:
    """Bring a local copy of every dataset up to date: typed CSV and datapackage.json."""
    token = token_file.read_text(encoding="utf-8").strip()
    if not token:
        raise fail(f"{token_file} is empty: put the research token in it.", 2)
    for warning in _warnings(url, token_file):
        err.print(f"[yellow]Warning: {warning}[/yellow]")
    try:
        report = mirror.pull(url=url, token=token, study=study, directory=directory, now=utcnow())
    except mirror.MirrorError as exc:
        raise fail(str(exc)) from exc
    table = Table("dataset", "new rows", "rows", "note")
    for found in report.datasets:
        table.add_row(found.name, str(found.new_rows), str(found.rows), found.note)
    out.print(table)
    if report.deleted is None:
        out.print("The server lists no deletions yet: rows of deleted participants stay here.")
    else:
        out.print(f"Removed the rows of {report.deleted} participants deleted at their request.")
    source = "the server's data package" if report.server_package else "the values pulled"
    out.print(f"{directory}/datapackage.json describes every file; types from {source}.")


def _warnings(url: str, token_file: Path) -> list[str]:
    found = []
    if os.name == "posix" and token_file.stat().st_mode & 0o077:
        found.append(f"{token_file} can be read by others than you: chmod 600 it.")
    try:
        host = httpx.URL(url).host
    except httpx.InvalidURL:
        host = ""
    if url.startswith("http://") and host not in LOOPBACK:
        found.append("the token travels unencrypted over http://; use https://.")
    return found
