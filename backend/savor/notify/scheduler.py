"""The in-process ticker: a few lines per job, all state in our own tables or memory."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from savor.clock import utcnow

log = logging.getLogger(__name__)

Job = Callable[[datetime], None]
TICKS_FROM = datetime(2026, 1, 1, tzinfo=UTC)


def run_jobs(jobs: list[Job], now: datetime) -> None:
    """One tick; a failing job is logged and never stops the others."""
    for job in jobs:
        try:
            job(now)
        except Exception:
            log.exception("scheduled job %s failed", getattr(job, "__name__", job))


def in_own_lane(job: Job) -> Job:
    """Mark a job that may run long (planning a large study) to tick on its own, so it
    never holds back the prompts that fall due meanwhile.

    Its ticks fall half an interval after the main lane's: prompts fall due on whole minutes,
    and a planning run starting on the same instant slowed down sending them.
    """
    job.own_lane = True  # type: ignore[attr-defined]
    return job


def start_scheduler(jobs: list[Job], *, interval_seconds: int) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    lanes = {"tick": [job for job in jobs if not getattr(job, "own_lane", False)]}
    lanes |= {f"lane-{job.__name__}": [job] for job in jobs if getattr(job, "own_lane", False)}
    for lane_id, lane in lanes.items():
        # One running tick per lane: a slow tick is skipped over, never stacked up. Ticks are
        # counted from midnight UTC, so with an interval that divides a minute one falls on
        # every whole minute, when planned prompts are due, instead of up to an interval later.
        offset = timedelta(seconds=0 if lane_id == "tick" else interval_seconds / 2)
        scheduler.add_job(
            lambda lane=lane: run_jobs(lane, utcnow()),
            "interval",
            seconds=interval_seconds,
            start_date=TICKS_FROM + offset,
            id=lane_id,
            max_instances=1,
            coalesce=True,
        )
    scheduler.start()
    return scheduler
