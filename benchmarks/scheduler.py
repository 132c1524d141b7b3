"""Scheduler: the real planning job for N participants, and dispatch lag for one busy minute.

Planning runs the `plan_ahead` job three times on a fresh database per N: the first plan
(the rest of today and tomorrow), the next day (yesterday's tomorrow checked, a new day
written) and ten minutes later (nothing to change). Participants live in ten time zones, on
Friday 6 March 2026, two days before the US clocks spring forward. The baseline is a bare
executemany insert of the rows the next-day run wrote, into the same table, in the same run.

Dispatch lag: see benchmarks/scheduler_dispatch.py, measured after planning.

    .venv/bin/python -m benchmarks.scheduler [--sizes 10000 50000 100000] [--sqlite-only]
                                             [--skip-planning] [--skip-dispatch]
"""

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from benchmarks.common import postgres_database
from benchmarks.scheduler_dispatch import measure_dispatch
from savor import migrate
from savor.db import make_engine
from savor.ema.jobs import build_jobs
from savor.ema.models import Prompt
from savor.studies import service as studies_service
from savor.studies.models import Participant

T0 = datetime(2026, 3, 6, 16, tzinfo=UTC)  # the same Friday on every zone's wall clock
NEW_DAY = date(2026, 3, 8)  # Sunday: spring forward in the US zones
# Zone, wake, sleep: DST-observing and not, a night owl whose day ends after midnight.
HOURS = [
    ("America/New_York", clock(7), clock(22)),
    ("America/Chicago", clock(6, 30), clock(21, 30)),
    ("America/Denver", clock(8), clock(23)),
    ("America/Phoenix", clock(7), clock(22)),
    ("America/Los_Angeles", clock(10), clock(1)),
    ("Pacific/Honolulu", clock(6), clock(21)),
    ("America/Mexico_City", clock(7), clock(22)),
    ("America/Puerto_Rico", clock(5, 45), clock(20, 15)),
    ("Europe/London", clock(7), clock(23)),
    ("Europe/Madrid", clock(8), clock(0)),
]
INSERT_CHUNK = 10_000


@contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    if kind == "postgresql":
        with postgres_database() as (url, _secrets):
            migrate.upgrade(url)
            yield url
        return
    with tempfile.TemporaryDirectory(prefix="savor-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'savor.db'}"
        migrate.upgrade(url)
        yield url


def add_participants(engine: Engine, count: int) -> None:
    with Session(engine) as session:
        study = studies_service.create_study(
            session=session, slug="bench", name="Benchmark", now=T0 - timedelta(days=30)
        )
        study_id = study.id
    rows = [
        {
            "id": uuid.uuid4(),
            "study_id": study_id,
            "timezone": zone,
            "language": "en",
            "wake_time": wake,
            "sleep_time": sleep,
            "stage": None,
            "enrolled_at": T0 - timedelta(days=7),
            "withdrawn_at": None,
        }
        for n in range(count)
        for zone, wake, sleep in [HOURS[n % len(HOURS)]]
    ]
    with engine.begin() as connection:
        for start in range(0, count, INSERT_CHUNK):
            connection.execute(insert(Participant), rows[start : start + INSERT_CHUNK])


def prompt_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Prompt)).scalar_one()


def timed(job: Callable[[datetime], None], now: datetime) -> float:
    start = time.perf_counter()
    job(now)
    return time.perf_counter() - start


def bare_insert_seconds(engine: Engine) -> tuple[float, int]:
    """Take the new day's rows out, then time putting the very same rows back in one go."""
    table = Prompt.__table__  # type: ignore[attr-defined]
    columns = [c for c in table.columns if c.name != "seq"]
    with engine.connect() as connection:
        found = connection.execute(select(*columns).where(col(Prompt.local_date) == NEW_DAY)).all()
    rows = [row._asdict() for row in found]
    with engine.begin() as connection:
        connection.execute(delete(Prompt).where(col(Prompt.local_date) == NEW_DAY))
    start = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(insert(table), rows)
    return time.perf_counter() - start, len(rows)


def measure_planning(kind: str, size: int) -> None:
    with fresh_database(kind) as url:
        engine = make_engine(url)
        add_participants(engine, size)
        jobs = build_jobs(engine=engine)
        [plan_ahead] = [job for job in jobs if job.__name__ == "plan_ahead"]
        runs = [("first plan", T0), ("next day", T0 + timedelta(days=1))]
        runs.append(("unchanged", T0 + timedelta(days=1, minutes=10)))
        before = 0
        for label, now in runs:
            seconds = timed(plan_ahead, now)
            after = prompt_count(engine)
            extra = ""
            if label == "next day":
                bare, rows = bare_insert_seconds(engine)
                extra = f"  bare insert {bare:6.2f} s ({rows:,} rows)  ratio {seconds / bare:5.2f}"
            print(
                f"{kind:10} {size:>7,} {label:10} {seconds:7.2f} s"
                f"  {seconds / size * 1e6:6.1f} µs/participant"
                f"  +{after - before:>7,} rows{extra}",
                flush=True,
            )
            before = after
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--skip-planning", action="store_true")
    parser.add_argument("--skip-dispatch", action="store_true")
    args = parser.parse_args()
    kinds = ["sqlite"] if args.sqlite_only else ["sqlite", "postgresql"]
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    print(f"scheduler benchmark: {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}, load {load}")
    if not args.skip_planning:
        print("planning (target: < 10 s for 100,000, linear in N)")
        for kind in kinds:
            for size in args.sizes:
                measure_planning(kind, size)
    if not args.skip_dispatch:
        print("dispatch lag, 1,000 prompts due at once (target: p99 < 2 s)")
        for kind in kinds:
            with fresh_database(kind) as url:
                measure_dispatch(kind, url)


if __name__ == "__main__":
    main()
