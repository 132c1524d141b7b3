"""The in-process ticker: every domain's jobs, a few lines each, all state in our own tables
or memory. It starts with the app (main.py's lifespan) and collects the jobs here."""

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from fastapi import FastAPI

from savor.clock import utcnow
from savor.ema import jobs as ema_jobs
from savor.jobs import Job, runs_in_own_lane
from savor.notify import jobs as notify_jobs
from savor.notify.dispatch import Sender
from savor.research import webhook as research_webhook

log = logging.getLogger(__name__)

TICKS_FROM = datetime(2026, 1, 1, tzinfo=UTC)


def scheduled_jobs(app: FastAPI, send: Sender | None = None) -> list[Job]:
    """Each domain's jobs, in the order a tick runs them; `send` replaces Web Push (a
    rehearsal's push service in the same process)."""
    limiter = app.state.enroll_limiter

    def prune_enroll_failures(now: datetime) -> None:
        limiter.prune(now=now)
        app.state.token_limiter.prune(now=now)
        app.state.staff_limiter.prune(now=now)

    sender = send or notify_jobs.make_sender(app.state.settings, app.state.vapid_keys)
    return [
        prune_enroll_failures,
        # A probe's decision is committed before the dispatcher can push its offer.
        *ema_jobs.build_decision_jobs(engine=app.state.engine),
        *notify_jobs.build_jobs(
            engine=app.state.engine,
            send=sender,
            seen=app.state.seen_devices,
            writer=app.state.writer,
        ),
        *ema_jobs.build_jobs(engine=app.state.engine),
        *research_webhook.build_jobs(
            engine=app.state.engine, policy=app.state.settings.outbound_policy
        ),
    ]


def run_jobs(jobs: list[Job], now: datetime) -> None:
    """One tick; a failing job is logged and never stops the others."""
    for job in jobs:
        try:
            job(now)
        except Exception:
            log.exception("scheduled job %s failed", getattr(job, "__name__", job))


def start_scheduler(jobs: list[Job], *, interval_seconds: int) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    lanes = {"tick": [job for job in jobs if not runs_in_own_lane(job)]}
    lanes |= {f"lane-{job.__name__}": [job] for job in jobs if runs_in_own_lane(job)}
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
