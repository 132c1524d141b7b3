"""A participant's prompts: planned in her day, kept in step with her settings, opened, expired."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from savor.ema import registry
from savor.ema.models import Prompt
from savor.ema.schedule import PlannedPrompt, plan_day
from savor.errors import AppError
from savor.practices import progress
from savor.studies.models import Participant, Study
from savor.studies.protocol import ProtocolDocument
from savor.studies.pseudonym import planning_seed

PLAN_DAYS_AHEAD = 1  # today and tomorrow, so a phone that goes offline still knows its day
LIVE_STATUSES = ("scheduled", "sending", "sent", "opened")


def _kind(document: ProtocolDocument, schedule_id: str) -> str:
    return next(s.kind for s in document.schedules if s.id == schedule_id)


def _planned(
    *, participant: Participant, study: Study, document: ProtocolDocument, day: date
) -> list[PlannedPrompt]:
    first_day = progress.local_date(participant.enrolled_at, participant.timezone)
    if day < first_day:
        return []
    return plan_day(
        schedules=document.schedules,
        local_date=day,
        tz=participant.timezone,
        wake=participant.wake_time,
        sleep=participant.sleep_time,
        program_day=(day - first_day).days + 1,
        seed=planning_seed(study_secret=study.secret, participant_id=participant.id),
    )


def _apply(row: Prompt, plan: PlannedPrompt) -> None:
    row.scheduled_at, row.expires_at, row.remind_at = (
        plan.scheduled_at,
        plan.expires_at,
        plan.remind_at,
    )
    row.status, row.cancelled_at = "scheduled", None


def plan_participant(
    *,
    session: Session,
    participant: Participant,
    study: Study,
    document: ProtocolDocument,
    now: datetime,
) -> int:
    """Bring her future prompts in line with her settings and protocol; returns rows changed.

    Idempotent: planning is deterministic, so an unchanged day writes nothing. Only prompts
    still waiting in the future move; anything sent, answered or past is left as it happened.
    """
    if participant.withdrawn_at is not None:
        return 0
    today = progress.local_date(now, participant.timezone)
    changed = 0
    for offset in range(PLAN_DAYS_AHEAD + 1):
        day = today + timedelta(days=offset)
        wanted = {
            p.key: p
            for p in _planned(participant=participant, study=study, document=document, day=day)
            if p.scheduled_at > now
        }
        existing = {
            (r.schedule_id, r.local_date, r.slot): r
            for r in session.exec(
                select(Prompt)
                .where(Prompt.participant_id == participant.id)
                .where(Prompt.local_date == day)
            )
        }
        for key, plan in wanted.items():
            row = existing.get(key)
            if row is None:
                instrument = registry.current(plan.instrument)
                registry.register(session=session, instrument=instrument)
                session.add(
                    Prompt(
                        participant_id=participant.id,
                        schedule_id=plan.schedule_id,
                        kind=_kind(document, plan.schedule_id),
                        instrument_id=plan.instrument,
                        instrument_version=str(instrument.version),
                        protocol_version=study.active_protocol_version,
                        local_date=day,
                        slot=plan.slot,
                        scheduled_at=plan.scheduled_at,
                        expires_at=plan.expires_at,
                        remind_at=plan.remind_at,
                    )
                )
                changed += 1
            elif (
                row.status in ("scheduled", "cancelled")
                and row.scheduled_at > now
                and (row.status == "cancelled" or row.scheduled_at != plan.scheduled_at)
            ):
                _apply(row, plan)
                session.add(row)
                changed += 1
        for key, row in existing.items():
            if key not in wanted and row.status == "scheduled" and row.scheduled_at > now:
                row.status, row.cancelled_at = "cancelled", now
                session.add(row)
                changed += 1
    session.commit()
    return changed


def cancel_future(*, session: Session, participant: Participant, now: datetime) -> None:
    """When she leaves the study nothing more reaches her."""
    session.execute(
        update(Prompt)
        .where(col(Prompt.participant_id) == participant.id)
        .where(col(Prompt.status).in_(("scheduled", "sending")))
        .values(status="cancelled", cancelled_at=now)
    )
    session.commit()


def open_prompts(*, session: Session, participant: Participant, now: datetime) -> list[Prompt]:
    """What she can answer now: due, not yet expired, not yet answered."""
    return list(
        session.exec(
            select(Prompt)
            .where(Prompt.participant_id == participant.id)
            .where(col(Prompt.status).in_(LIVE_STATUSES))
            .where(Prompt.scheduled_at <= now)
            .where(Prompt.expires_at > now)
            .order_by(col(Prompt.scheduled_at))
        )
    )


def upcoming(*, session: Session, participant: Participant, now: datetime) -> Sequence[Prompt]:
    return session.exec(
        select(Prompt)
        .where(Prompt.participant_id == participant.id)
        .where(Prompt.status == "scheduled")
        .where(Prompt.scheduled_at > now)
        .order_by(col(Prompt.scheduled_at))
    ).all()


def her_prompt(*, session: Session, participant: Participant, prompt_id: uuid.UUID) -> Prompt:
    prompt = session.get(Prompt, prompt_id)
    if prompt is None or prompt.participant_id != participant.id:
        raise AppError(404, "unknown_prompt", "This check-in was not found.")
    return prompt


def mark_opened(*, session: Session, prompt: Prompt, now: datetime) -> Prompt:
    """The first opening counts; opening it again changes nothing."""
    if prompt.opened_at is None:
        prompt.opened_at = now
        if prompt.status in ("scheduled", "sending", "sent"):
            prompt.status = "opened"
        session.add(prompt)
        session.commit()
        session.refresh(prompt)
    return prompt


def expire_due(*, session: Session, now: datetime) -> int:
    result = session.execute(
        update(Prompt)
        .where(col(Prompt.status).in_(LIVE_STATUSES))
        .where(col(Prompt.expires_at) <= now)
        .values(status="expired", expired_at=now)
    )
    session.commit()
    return result.rowcount  # type: ignore[attr-defined]
