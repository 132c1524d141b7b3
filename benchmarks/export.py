"""Export: rows/s and peak memory of the streamed responses export, per format and size,
against the database's own raw dump of the same join (sqlite3 -csv, psql COPY … TO STDOUT).

Each export runs in a child process of its own, so its peak RSS is its alone. Constant
memory means the peak barely moves from 100k to 1M rows. Rates are in answered items (the
long CSV's rows) whatever a format writes per line; the ratio is to the raw dump's rate.

    .venv/bin/python -m benchmarks.export [--rows 100000 1000000]
        [--formats csv csv-wide ndjson fhir] [--sqlite-only | --postgresql-only]
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session

from benchmarks.common import postgres_database
from savor import migrate
from savor.db import make_engine
from savor.ema.models import Prompt, Response, ResponseItem
from savor.studies import service as studies_service
from savor.studies.models import Participant, ParticipantState

FORMATS = ["csv", "csv-wide", "ndjson", "fhir"]
ITEMS = ["S1", "C1", "A1", "A2", "N1", "PN1", "B1", "SV1", "SV1b", "B1p"]
PARTICIPANTS = 100
BATCH = 2_000
RAW = """SELECT r.participant_id, r.id, r.prompt_id, r.kind, r.instrument_id, r.instrument_version,
 r.protocol_version, r.started_at, r.submitted_at, r.received_at, r.timezone, r.local_date,
 r.late, r.context, p.schedule_id, p.scheduled_at, p.sent_at, p.delivered_at, p.shown_at,
 p.clicked_at, p.dismissed_at, p.opened_at, i.item_id, i.position, i.value, i.declined
 FROM response r JOIN response_item i ON i.response_id = r.id
 LEFT JOIN prompt p ON p.id = r.prompt_id"""


def _rows(participants: list[uuid.UUID], responses: int) -> Iterator[tuple[dict, dict, list]]:
    start = datetime(2026, 3, 1, 14, tzinfo=UTC)
    for n in range(responses):
        owner, at = participants[n % len(participants)], start + timedelta(minutes=7 * n)
        prompt = {"id": uuid.uuid4(), "participant_id": owner, "schedule_id": "random_checkin"}
        prompt |= {"kind": "random", "instrument_id": "momentary", "instrument_version": "1"}
        prompt |= {"protocol_version": 1, "local_date": date(2026, 3, 1), "slot": n}
        prompt |= {
            "status": "completed",
            "scheduled_at": at,
            "expires_at": at + timedelta(minutes=45),
        }
        prompt |= {"sent_at": at, "opened_at": at, "completed_at": at, "answered_late": False}
        # Her phone's receipts, as an answered prompt has them since delivery receipts.
        prompt |= {"delivered_at": at, "shown_at": at, "clicked_at": at}
        prompt |= {"send_attempts": 1, "pushed": 1}
        response = {"id": uuid.uuid4(), "participant_id": owner, "client_id": uuid.uuid4()}
        response |= {"prompt_id": prompt["id"], "kind": "random", "instrument_id": "momentary"}
        response |= {"instrument_version": "1", "instrument_fingerprint": "0" * 12}
        response |= {"protocol_version": 1, "started_at": at, "submitted_at": at}
        response |= {"received_at": at, "timezone": "America/Chicago", "local_date": at.date()}
        response |= {"late": False, "context": {}, "body_hash": "0" * 64}
        items = [
            {"id": uuid.uuid4(), "response_id": response["id"], "item_id": item, "position": k}
            | {"value": (n + k) % 11, "declined": False, "sensitive": False}
            for k, item in enumerate(ITEMS)
        ]
        yield prompt, response, items


def fill(url: str, rows: int) -> None:
    """A study with `rows` answered items (10 per check-in), written in batches."""
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        study = studies_service.create_study(
            session=session, slug="bench", name="Bench", now=datetime.now(UTC)
        )
        people = [
            Participant(study_id=study.id, timezone="America/Chicago", language="en")
            for _ in range(PARTICIPANTS)
        ]
        session.add_all(people)
        session.flush()
        # Half of them move once, mid-way: the export looks their zone up at each check-in.
        first = datetime(2026, 3, 1, 14, tzinfo=UTC)
        moved = first + timedelta(minutes=7 * rows // 2 // len(ITEMS))
        session.add_all(
            ParticipantState(
                participant_id=p.id,
                at=at,
                timezone=zone,
                wake_time=p.wake_time,
                sleep_time=p.sleep_time,
            )
            for n, p in enumerate(people)
            for at, zone in [(first, "America/Chicago")]
            + ([(moved, "America/Denver")] if n % 2 else [])
        )
        session.commit()
        batch: list[tuple[dict, dict, list]] = []
        for row in _rows([p.id for p in people], rows // len(ITEMS)):
            batch.append(row)
            if len(batch) == BATCH:
                _write(session, batch)
                batch = []
        _write(session, batch)
    engine.dispose()


def _write(session: Session, batch: list[tuple[dict, dict, list]]) -> None:
    if batch:
        session.execute(insert(Prompt), [p for p, _, _ in batch])
        session.execute(insert(Response), [r for _, r, _ in batch])
        session.execute(insert(ResponseItem), [i for _, _, items in batch for i in items])
        session.commit()


def high_water_kb(pid: int | str = "self") -> int:
    """VmHWM: peak RSS of the process's own memory. (ru_maxrss would also count the forked
    image of the parent before exec, which here is the benchmark itself.)"""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc; this benchmark needs Linux")


def child(url: str, fmt: str, out: str) -> None:
    """Run one export as the API would and report rows, seconds and this process's peak."""
    from savor.research.exports import run
    from savor.research.exports import service as exports

    engine = make_engine(url)
    rows: list[int] = []
    started = time.perf_counter()
    with Session(engine) as session, open(out, "wb") as file:
        study = studies_service.get_study(session=session, slug="bench")
        assert study is not None
        form, _, shape = fmt.partition("-")
        request = exports.ExportRequest(
            dataset="responses",
            format=form,  # type: ignore[arg-type]
            shape=shape or "long",  # type: ignore[arg-type]
        )
        plan = exports.plan_export(session=session, study=study, request=request)
        for chunk in run.stream(plan, engine=engine, done=rows.append):
            file.write(chunk)
    seconds = time.perf_counter() - started
    print(json.dumps({"rows": rows[0], "seconds": seconds, "peak_kb": high_water_kb()}))


def _measured(command: list[str], stdout) -> tuple[float, int]:
    """Wall seconds and the peak RSS (KB) of one child, sampled until it ends."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout)
    peak = 0
    while process.poll() is None:
        # It may end between poll() and the read.
        with suppress(FileNotFoundError, ProcessLookupError, RuntimeError):
            peak = max(peak, high_water_kb(process.pid))
        time.sleep(0.01)
    if process.returncode:
        raise RuntimeError(f"{command[0]} failed with {process.returncode}")
    return time.perf_counter() - started, peak


def export_once(url: str, fmt: str, folder: Path) -> dict:
    out = folder / f"export.{fmt}"
    report = folder / "report.json"
    command = [sys.executable, "-m", "benchmarks.export", "--child", url, fmt, str(out)]
    with report.open("w") as stdout:
        _measured(command, stdout)
    return json.loads(report.read_text()) | {"mb": out.stat().st_size / 1e6}


def raw_dump(url: str, folder: Path) -> dict:
    out = folder / "raw.csv"
    if url.startswith("sqlite"):
        command = ["sqlite3", "-csv", url.removeprefix("sqlite:///"), RAW]
    else:
        plain = url.replace("postgresql+psycopg://", "postgresql://")
        command = ["psql", plain, "-q", "-c", f"COPY ({RAW}) TO STDOUT CSV"]
    with out.open("wb") as stdout:
        seconds, peak = _measured(command, stdout)
    lines = sum(1 for _ in out.open("rb"))
    return {"rows": lines, "seconds": seconds, "peak_kb": peak, "mb": out.stat().st_size / 1e6}


def _rate(rows: int, result: dict) -> float:
    return rows / result["seconds"] if result["seconds"] else 0.0


def _line(backend: str, rows: int, what: str, result: dict, raw: dict) -> str:
    rate, ratio = _rate(rows, result), _rate(rows, result) / _rate(rows, raw)
    return (
        f"{backend:<10} {rows:>9,} {what:<8} {result['seconds']:6.1f} s {rate:>9,.0f} rows/s "
        f"({ratio:4.2f} of raw)  peak RSS {result['peak_kb'] / 1024:6.1f} MB  "
        f"{result['mb']:6.1f} MB written"
    )


def _table(backend: str, results: dict[int, dict[str, dict]], formats: list[str]) -> str:
    """A Markdown table: a row per size, the raw dump's rate, then each format's."""
    head = ["rows", "raw rows/s", *[f"{f} rows/s (ratio), peak RSS" for f in formats]]
    lines = [f"{backend}:", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for rows, found in results.items():
        raw = _rate(rows, found["raw"])
        cells = [f"{rows:,}", f"{raw:,.0f}"]
        for f in formats:
            rate, peak = _rate(rows, found[f]), found[f]["peak_kb"] / 1024
            cells.append(f"{rate:,.0f} ({rate / raw:.2f}), {peak:.0f} MB")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    with postgres_database() as (url, _):
        yield url


def run(backend: str, sizes: list[int], formats: list[str]) -> str:
    results: dict[int, dict[str, dict]] = {}
    for rows in sizes:
        folder = Path(tempfile.mkdtemp(prefix="savor-export-"))
        try:
            with database(backend, folder) as url:
                started = time.perf_counter()
                fill(url, rows)
                print(f"{backend:<10} {rows:>9,} filled in {time.perf_counter() - started:.1f} s")
                raw = results.setdefault(rows, {})["raw"] = raw_dump(url, folder)
                print(_line(backend, rows, "raw", raw, raw), flush=True)
                for fmt in formats:
                    result = results[rows][fmt] = export_once(url, fmt, folder)
                    print(_line(backend, rows, fmt, result, raw), flush=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if len(sizes) > 1:
        for fmt in formats:
            growth = results[sizes[-1]][fmt]["peak_kb"] / results[sizes[0]][fmt]["peak_kb"]
            print(f"{backend:<10} {fmt:<8} peak at largest / smallest: {growth:.2f}")
    return _table(backend, results, formats)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--formats", nargs="+", default=FORMATS, choices=FORMATS)
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--sqlite-only", action="store_true")
    only.add_argument("--postgresql-only", action="store_true")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"]
    if args.sqlite_only or args.postgresql_only:
        backends = ["sqlite"] if args.sqlite_only else ["postgresql"]
    tables = [run(backend, sorted(args.rows), args.formats) for backend in backends]
    print("\n" + "\n\n".join(tables))


if __name__ == "__main__":
    main()
