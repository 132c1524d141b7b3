"""Ema's jobs for the ticker: plan her coming prompts and waves' next reminders, expire those
past their window."""

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from savor.ema import planning as ema_planning
from savor.ema import prompts as ema_prompts
from savor.ema import wave_reminders
from savor.ema.decisions import probe_decide
from savor.jobs import Job, in_own_lane
from savor.studies import service as studies_service

PLAN_EVERY = timedelta(minutes=10)


def build_jobs(*, engine: Engine) -> list[Job]:
    last_planned: list[datetime] = []

    def expire(now: datetime) -> None:
        with Session(engine) as session:
            ema_prompts.expire_due(session=session, now=now)

    @in_own_lane
    def plan_ahead(now: datetime) -> None:
        if last_planned and now - last_planned[-1] < PLAN_EVERY:
            return
        with Session(engine) as session:
            for study in studies_service.list_studies(session=session):
                document = studies_service.protocol_document(session=session, study=study)
                ema_planning.plan_study(session=session, study=study, document=document, now=now)
                wave_reminders.rearm_reminders(
                    session=session, study=study, document=document, now=now
                )
        last_planned[:] = [now]

    return [expire, plan_ahead]


def build_decision_jobs(*, engine: Engine) -> list[Job]:
    """Her probes decided as their times come, before the dispatcher may push an offer."""

    def decide_probes(now: datetime) -> None:
        with Session(engine) as session:
            probe_decide.decide_due(session=session, now=now)

    return [decide_probes]
