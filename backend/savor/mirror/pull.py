"""One pull: every dataset the server offers brought up to date in the folder, one at a time.

Per dataset: stream the rows changed since the last pull into a scratch file, write the CSV
anew (old rows not replaced nor deleted, then the new ones) in place of the old, then the data
package, then the state. A pull killed anywhere leaves each file whole and a state at worst
behind the data: the next pull fetches those rows again, and as rows replace rows by key,
nothing is doubled.
"""

import csv
import json
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import httpx

from savor.mirror import files, rows
from savor.mirror import package as packaging
from savor.mirror.files import MirrorError
from savor.mirror.server import Server

DATASETS = ["responses", "prompts", "practice_sessions", "participants"]
DELETIONS = "deletions"


@dataclass
class DatasetReport:
    name: str
    new_rows: int
    rows: int
    note: str = ""


@dataclass
class PullReport:
    datasets: list[DatasetReport] = field(default_factory=list)
    deleted: int | None = None  # None: the server lists no deletions yet
    server_package: bool = False


@dataclass
class _Pulled:
    """What streamed in: rows spooled to a scratch file, their keys, columns and kinds."""

    spool: IO[str]
    key: tuple[str, ...] | None
    kinds: dict[str, set[str]]
    columns: list[str] = field(default_factory=list)
    keys: set[tuple[str, ...]] = field(default_factory=set)
    count: int = 0

    def take(self, row: dict[str, Any]) -> None:
        self.spool.write(json.dumps(row, ensure_ascii=False) + "\n")
        if not self.count:
            self.columns = list(row)
        self.count += 1
        if self.key:
            self.keys.add(rows.key_of(row, self.key))
        for column, value in row.items():
            found = self.kinds.setdefault(column, set())
            seen = rows.kind(value)
            if seen:
                found.add(seen)


def pull(
    *,
    url: str,
    token: str,
    study: str,
    directory: Path,
    now: datetime,
    transport: httpx.BaseTransport | None = None,
) -> PullReport:
    """Bring the mirror in `directory` up to date with the study's datasets on the server."""
    url = url.rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise MirrorError(f"--url must start with https:// (got '{url}').")
    directory.mkdir(parents=True, exist_ok=True)
    with (
        files.locked(directory),
        Server(url=url, token=token, study=study, transport=transport) as server,
    ):
        files.clear_leftovers(directory)
        state = files.read_state(directory, url=url, study=study)
        try:
            return _pull_all(server, directory, state, now)
        except httpx.HTTPError as exc:
            raise MirrorError(
                f"The connection to {url} failed ({exc.__class__.__name__}: {exc}). "
                "Every file in the folder is whole; pull again to continue."
            ) from exc


def _pull_all(server: Server, directory: Path, state: dict, now: datetime) -> PullReport:
    offered = server.data_package()
    report = PullReport(server_package=offered is not None)
    deleted, deletions_next = _deletions(server, state)
    listed = [r.get("name") for r in (offered or {}).get("resources") or [] if isinstance(r, dict)]
    extra = [n for n in listed if isinstance(n, str) and n not in DATASETS and n != DELETIONS]
    for name in [*DATASETS, *extra]:
        report.datasets.append(_pull_dataset(server, directory, state, name, offered, deleted, now))
    if deletions_next is not None:
        previous = state.get(DELETIONS, {}).get("applied", 0)
        state[DELETIONS] = {
            "since": deletions_next,
            "pulled_at": now.isoformat(),
            "applied": previous + len(deleted),
        }
        files.write_state(directory, state)
        report.deleted = len(deleted)
    return report


def _deletions(server: Server, state: dict) -> tuple[set[str], int | None]:
    """Pseudonyms deleted at their request since the last pull (see the README's contract)."""
    found: set[str] = set()
    since = state.get(DELETIONS, {}).get("since", 0)
    next_since = server.export(
        DELETIONS, since, lambda row: found.add(rows.cell(row.get(rows.OWNER)))
    )
    found.discard("")
    return found, next_since


def _pull_dataset(
    server: Server,
    directory: Path,
    state: dict,
    name: str,
    offered: dict | None,
    deleted: set[str],
    now: datetime,
) -> DatasetReport:
    entry = dict(state["datasets"].get(name, {}))
    key = packaging.key_of(name, offered)
    target = directory / packaging.path_of(name)
    kinds = {column: set(found) for column, found in entry.get("kinds", {}).items()}
    scratch = files.temporary(directory / f"{name}.ndjson")
    try:
        with scratch.open("w+", encoding="utf-8") as spool:
            pulled = _Pulled(spool=spool, key=key, kinds=kinds)
            next_since = server.export(name, entry.get("since", 0) if key else 0, pulled.take)
            if next_since is None:
                kept = "; the mirrored file is kept as it was" if target.exists() else ""
                rows_kept = entry.get("rows", 0)
                return DatasetReport(name, 0, rows_kept, f"not offered by the server{kept}")
            spool.seek(0)
            header, count = _apply(server, target, pulled, next_since, deleted, entry)
    finally:
        scratch.unlink(missing_ok=True)
    entry |= {
        "since": next_since,
        "rows": count,
        "pulled_at": now.isoformat(),
        "columns": header,
        "kinds": {column: sorted(found) for column, found in kinds.items()},
    }
    _record(directory, state, name, entry, offered)
    note = "" if key else "no key known: fetched whole each time"
    return DatasetReport(name, pulled.count, count, note)


def _apply(
    server: Server,
    target: Path,
    pulled: _Pulled,
    next_since: int,
    deleted: set[str],
    entry: dict[str, Any],
) -> tuple[list[str], int]:
    """The dataset's file with what was pulled; returns its header and row count."""
    if pulled.key and pulled.count == 0 and target.exists() and not deleted:
        return _header(target), entry.get("rows", 0)  # nothing changed: the file stays
    columns = pulled.columns
    if not columns and not target.exists():  # an empty dataset still gets its header
        columns = server.header(target.stem, next_since)
    return _rewrite(target, columns, pulled, deleted)


def _record(
    directory: Path, state: dict, name: str, entry: dict[str, Any], offered: dict | None
) -> None:
    """The data package, then the state: both only once the data file is in place."""
    state["datasets"][name] = entry
    document = packaging.build(
        study=state["study"], url=state["url"], datasets=state["datasets"], server=offered
    )
    files.write_json(directory / packaging.PACKAGE, document)
    files.write_state(directory, state)


def _header(target: Path) -> list[str]:
    with target.open(encoding="utf-8", newline="") as file:
        return next(csv.reader(file), [])


def _rewrite(
    target: Path, columns: list[str], pulled: _Pulled, deleted: set[str]
) -> tuple[list[str], int]:
    """Write the dataset's CSV anew in place of the old; returns its header and row count."""
    count, old_header = 0, []
    with ExitStack() as stack:
        out = stack.enter_context(files.replacing(target))  # replaced once the old one is closed
        old_rows: Any = iter(())
        if target.exists():
            old_rows = csv.reader(stack.enter_context(target.open(encoding="utf-8", newline="")))
            old_header = next(old_rows, [])
        header = rows.union(old_header, columns)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for row in rows.merged(
            header=header,
            old_header=old_header,
            old_rows=old_rows,
            new_rows=(json.loads(line) for line in pulled.spool),
            replaced=pulled.keys if pulled.key else None,
            key=pulled.key or (),
            deleted=deleted,
        ):
            writer.writerow(row)
            count += 1
    return header, count
