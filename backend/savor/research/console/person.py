"""One participant's page: her prompts day by day, her feelings and her practice."""

from collections import defaultdict
from datetime import date, datetime
from statistics import mean
from typing import Any

from sqlmodel import Session, col, select

from savor.ema import service as ema_service
from savor.ema.compliance import stage
from savor.ema.models import Response
from savor.notify import health as notify_health
from savor.practices import progress
from savor.practices.models import PracticeSession
from savor.practices.summary import TRACKED
from savor.research.console import facts as gathered
from savor.research.console.flags import Facts, flags_of
from savor.research.console.models import DayRatings, ParticipantDetail, PracticeMark, PromptCell
from savor.research.management import find_participant
from savor.studies import consent
from savor.studies import service as studies_service
from savor.studies.models import Study

# How far an unanswered prompt got; an expired one that never left reads "expired".
REACHED = {"opened": "opened", "delivered": "delivered", "sent": "sent", "never_sent": "expired"}


def fate(row: Any, *, now: datetime) -> str:
    """The cell's color: answered (on time or late), else how far it got once its window
    closed; a prompt whose window is still open, or not due yet, says so."""
    if row.status == "completed":
        return "late" if row.answered_late else "completed"
    if row.status == "cancelled":
        return "cancelled"
    if row.scheduled_at > now:
        return "scheduled"
    if row.status != "expired":
        return "open"
    return REACHED[stage(gathered.fate_of(row))]


def _ratings(session: Session, participant: Any) -> list[DayRatings]:
    by_day: dict[date, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for rating in ema_service.feeling_ratings(session=session, participant=participant):
        by_day[rating.local_date][TRACKED[rating.item_id]].append(rating.value)
    return [
        DayRatings(date=day, **{name: round(mean(values), 2) for name, values in seen.items()})
        for day, seen in sorted(by_day.items())
    ]


def _practice(session: Session, participant_id: Any) -> list[PracticeMark]:
    rows = session.exec(
        select(PracticeSession)
        .where(PracticeSession.participant_id == participant_id)
        .order_by(col(PracticeSession.started_at))
    )
    return [
        PracticeMark(
            local_date=s.local_date,
            practice_id=s.practice_id,
            minutes=round(s.seconds_practiced / 60, 1),
            completed=s.completed,
        )
        for s in rows
    ]


def detail(*, session: Session, study: Study, name: str, now: datetime) -> ParticipantDetail:
    participant = find_participant(session=session, study=study, name=name)
    pid = participant.id
    active = participant.withdrawn_at is None
    health = (
        notify_health.notification_health(session=session, participant_ids=[pid], now=now)[pid]
        if active
        else notify_health.STOPPED
    )
    last = gathered.latest(session, Response.submitted_at, Response.participant_id, [pid]).get(pid)
    waves = gathered.waves(session, study, now=now)
    facts = Facts(
        active=active,
        enrolled_at=participant.enrolled_at,
        notifications=health.notifications,
        notifications_reason=health.reason,
        last_checkin_at=last,
        missed_wave=waves.missed.get(pid),
        next_wave_at=waves.next_at.get(pid),
        consent_needed=consent.needs_consent(
            participant.consent_version,
            studies_service.protocol_document(session=session, study=study),
        ),
    )
    prompts = gathered.prompts_of(session, pid)
    return ParticipantDetail(
        pseudonym=name,
        status="active" if active else "withdrawn",
        stage=participant.stage,
        program_week=progress.program_week(
            enrolled_at=participant.enrolled_at, timezone=participant.timezone, now=now
        ),
        enrolled_at=participant.enrolled_at,
        notifications=health.notifications,
        notifications_reason=health.reason,
        devices=health.devices,
        flags=flags_of(facts, now=now),
        prompts=[
            PromptCell(
                local_date=r.local_date,
                slot=r.slot,
                kind=r.kind,
                scheduled_at=r.scheduled_at,
                fate=fate(r, now=now),
            )
            for r in prompts
        ],
        ratings=_ratings(session, participant),
        practice=_practice(session, pid),
    )
