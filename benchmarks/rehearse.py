"""Rehearsal: `savor rehearse` on the default protocol, timed, on SQLite and PostgreSQL.

Targets (issue 19): 200 participants x 8 weeks on SQLite under 3 minutes; 1,000 x 8 weeks on
PostgreSQL under 10 minutes. Each run prints its wall time, the simulated ticks and daily
pulls, and whether every invariant held: the whole rehearsal (service, jobs, phones, pulls,
checks), compared with the target.

Its baseline, measured in the same run, is the floor under any rehearsal of these phones:
what the same in-process service costs for requests that do nearly nothing (`GET /healthz`,
and her own `GET /me`, signed in), times the requests the run's phones made. No faster
storage, job or phone can bring a rehearsal below it; only fewer or cheaper requests can.

    .venv/bin/python -m benchmarks.rehearse [--sqlite 200 8] [--postgres 1000 8] [--skip-postgres]
        [--tick-seconds 30]
"""

import argparse
import asyncio
import logging
import os
import tempfile
import time
from pathlib import Path

from benchmarks.common import postgres_database
from savor.clock import set_simulated_now
from savor.rehearsal.run import DEFAULT_START, Options, rehearse
from savor.rehearsal.service import rehearsal_settings, running

PROTOCOL = Path(__file__).resolve().parents[1] / "backend/savor/content/protocol.default.yaml"


FLOOR_REQUESTS = 2000  # timed per kind of request, after 200 to warm up


async def _request_costs(database_url: str | None) -> dict[str, float]:
    """Seconds of one request that does nearly nothing, over the rehearsal's own transport."""
    with tempfile.TemporaryDirectory(prefix="savor-floor-") as scratch:
        set_simulated_now(DEFAULT_START)
        settings = rehearsal_settings(Path(scratch), database_url)
        protocol = PROTOCOL.read_text()
        async with running(settings, protocol, 1, DEFAULT_START) as service:
            joined = await service.http.post(
                "/api/v1/enroll",
                json={
                    "code": service.codes[0],
                    "timezone": "America/Chicago",
                    "language": "en",
                    "consent_version": 1,
                },
            )
            her = {"Authorization": f"Bearer {joined.json()['token']}"}
            costs = {}
            for path, headers in (("/healthz", {}), ("/api/v1/me", her)):
                for _ in range(200):
                    await service.http.get(path, headers=headers)
                began = time.perf_counter()
                for _ in range(FLOOR_REQUESTS):
                    await service.http.get(path, headers=headers)
                costs[path] = (time.perf_counter() - began) / FLOOR_REQUESTS
    return costs


TARGETS = {"sqlite": (200 * 8 * 7, 180), "postgresql": (1000 * 8 * 7, 600)}


def floor(database_url: str | None, requests: int, participant_days: int) -> None:
    """The floor under this run, and under the target's run at this run's requests a day."""
    costs = asyncio.run(_request_costs(database_url))
    target_days, target_seconds = TARGETS["postgresql" if database_url else "sqlite"]
    at_target = round(requests / participant_days * target_days)
    for label, count in (("this run", requests), ("the target's run", at_target)):
        cells = [
            f"{path} {cost * 1000:.2f} ms x {count} = {cost * count:.0f} s"
            for path, cost in costs.items()
        ]
        print(f"{'':10} floor, {label}: " + "; ".join(cells), flush=True)
    print(f"{'':10} target: {target_seconds} s for {target_days} participant-days", flush=True)


def one(
    participants: int, weeks: int, database_url: str | None, tick_seconds: int
) -> tuple[int, int]:
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
    return run["phone_requests"], days


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
        floor(None, *one(*args.sqlite, None, args.tick_seconds))
    if not args.skip_postgres:
        with postgres_database() as (url, _):
            requests, days = one(*args.postgres, url, args.tick_seconds)
        with postgres_database() as (url, _):
            floor(url, requests, days)


if __name__ == "__main__":
    main()
