"""Rehearsal: `savor rehearse` on the default protocol, timed, on SQLite and PostgreSQL.

Targets (issue 19): 200 participants x 8 weeks on SQLite under 3 minutes; 1,000 x 8 weeks on
PostgreSQL under 10 minutes. Each run prints its wall time, the simulated ticks and daily
pulls, and whether every invariant held. There is no baseline in the same run: the figure is
the whole rehearsal (service, jobs, phones, pulls, checks), compared with the target.

    .venv/bin/python -m benchmarks.rehearse [--sqlite 200 8] [--postgres 1000 8] [--skip-postgres]
        [--tick-seconds 30]
"""

import argparse
import asyncio
import logging
import os
import tempfile
from pathlib import Path

from benchmarks.common import postgres_database
from savor.rehearsal.run import Options, rehearse

PROTOCOL = Path(__file__).resolve().parents[1] / "backend/savor/content/protocol.default.yaml"


def one(participants: int, weeks: int, database_url: str | None, tick_seconds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="savor-rehearse-") as scratch:
        options = Options(
            protocol=PROTOCOL,
            participants=participants,
            weeks=weeks,
            out=Path(scratch) / "out",
            database_url=database_url,
            tick_seconds=tick_seconds,
        )
        outcome = asyncio.run(rehearse(options))
    run = outcome.report["run"]
    backend = "postgresql" if database_url else "sqlite"
    burden = outcome.report["prompts_per_participant_per_day"]
    days = participants * weeks * 7
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"{backend:10} {participants:5} x {weeks} weeks (tick {run['tick_seconds']} s): "
        f"{outcome.seconds:7.1f} s wall, {run['cpu_seconds']} s CPU, load after {load}; "
        f"{run['ticks']} ticks ({run['job_seconds']} s in jobs), "
        f"{run['phone_requests']} phone requests "
        f"({run['phone_requests'] / days:.1f} a participant-day), {run['daily_pulls']} daily "
        f"pulls, {burden['mean']} prompts/day, invariants {'hold' if outcome.ok else 'VIOLATED'}",
        flush=True,
    )
    for name, problems in outcome.problems.items():
        if problems:
            print(f"  {name}: {len(problems)} violation(s), first: {problems[0]}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sqlite", type=int, nargs=2, default=[200, 8], metavar=("N", "WEEKS"))
    parser.add_argument("--postgres", type=int, nargs=2, default=[1000, 8], metavar=("N", "WEEKS"))
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--tick-seconds", type=int, default=30, help="the ticker's interval the service runs with"
    )
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    if not args.skip_sqlite:
        one(*args.sqlite, None, args.tick_seconds)
    if not args.skip_postgres:
        with postgres_database() as (url, _):
            one(*args.postgres, url, args.tick_seconds)


if __name__ == "__main__":
    main()
