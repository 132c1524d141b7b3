"""The few reads every console list is built from, however many participants a study has."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from savor.ema.compliance import PromptFate
from savor.ema.models import Prompt, Response
from savor.ema.waves import WAVE_KIND
from savor.notify import health as notify_health
from savor.notify.health import NotificationHealth
from savor.notify.models import PushSubscription
from savor.practices.models import PracticeSession
from savor.studies import consent
from savor.studies import service as studies_service
from savor.studies.models import Participant, Study
from savor.studies.pseudonym import pseudonym


@dataclass
class StudyFacts:
    participants: list[Participant]
    names: dict[Any, str]
    health: dict[Any, NotificationHealth]
    last_checkin: dict[Any, datetime]
    last_device: dict[Any, datetime]
    last_practice: dict[Any, datetime]
    # The consent version the protocol asks for now.
    consent_version: int


def participants_of(session: Session, study: Study) -> list[Participant]:
    return list(session.exec(select(Participant).where(Participant.study_id == study.id)))


def latest(session: Session, column: Any, owner: Any, ids: list[Any]) -> dict[Any, datetime]:
    rows = session.execute(
        select(owner, func.max(column)).where(col(owner).in_(ids)).group_by(owner)
    ).all()
    return {pid: at for pid, at in rows if at is not None}


def names_of(study: Study, participants: list[Participant]) -> dict[Any, str]:
    return {p.id: pseudonym(study_secret=study.secret, participant_id=p.id) for p in participants}


def gather(session: Session, study: Study, *, now: datetime) -> StudyFacts:
    participants = participants_of(session, study)
    ids = [p.id for p in participants]
    active = [p.id for p in participants if p.withdrawn_at is None]
    document = studies_service.protocol_document(session=session, study=study)
    return StudyFacts(
        participants=participants,
        consent_version=consent.consent_of(document).version,
        names={
            p.id: pseudonym(study_secret=study.secret, participant_id=p.id) for p in participants
        },
        health=notify_health.notification_health(session=session, participant_ids=active, now=now),
        last_checkin=latest(session, Response.submitted_at, Response.participant_id, ids),
        last_device=latest(
            session, PushSubscription.last_seen_at, PushSubscription.participant_id, ids
        ),
        last_practice=latest(
            session, PracticeSession.received_at, PracticeSession.participant_id, ids
        ),
    )


def fate_of(row: Any) -> PromptFate:
    return PromptFate(
        status=row.status,
        scheduled_at=row.scheduled_at,
        sent_at=row.sent_at,
        completed_at=row.completed_at,
        answered_late=row.answered_late,
        pushed=row.pushed,
        delivered_at=row.delivered_at,
        shown_at=row.shown_at,
        clicked_at=row.clicked_at,
        opened_at=row.opened_at,
    )


FATE_COLUMNS = (
    Prompt.participant_id,
    Prompt.status,
    Prompt.kind,
    Prompt.local_date,
    Prompt.slot,
    Prompt.scheduled_at,
    Prompt.sent_at,
    Prompt.completed_at,
    Prompt.answered_late,
    Prompt.pushed,
    Prompt.delivered_at,
    Prompt.shown_at,
    Prompt.clicked_at,
    Prompt.opened_at,
)


def prompts_between(
    session: Session, study: Study, start: datetime | None, end: datetime
) -> list[Any]:
    """The study's prompts scheduled in [start, end), as light rows (no model objects)."""
    query = (
        select(*FATE_COLUMNS)
        .join(Participant, col(Participant.id) == Prompt.participant_id)
        .where(Participant.study_id == study.id)
        .where(col(Prompt.scheduled_at) < end, col(Prompt.kind) != WAVE_KIND)
    )
    if start is not None:
        query = query.where(col(Prompt.scheduled_at) >= start)
    return list(session.execute(query).all())


def prompts_of(session: Session, participant_id: Any) -> list[Any]:
    query = (
        select(*FATE_COLUMNS)
        .where(Prompt.participant_id == participant_id, col(Prompt.kind) != WAVE_KIND)
        .order_by(col(Prompt.scheduled_at))
    )
    return list(session.execute(query).all())


def settled_counts(
    session: Session, study: Study, *, since: datetime, now: datetime
) -> dict[Any, tuple[int, int]]:
    """Each participant's prompts due in [since, now) and settled: (answered on time, settled),
    counted by the database, so a study of any size sends back one row per participant."""
    on_time = (col(Prompt.status) == "completed") & col(Prompt.answered_late).is_(False)
    rows = session.execute(
        select(
            Prompt.participant_id,
            func.sum(case((on_time, 1), else_=0)),
            func.count(),
        )
        .join(Participant, col(Participant.id) == Prompt.participant_id)
        .where(Participant.study_id == study.id)
        .where(col(Prompt.scheduled_at) >= since, col(Prompt.scheduled_at) < now)
        .where(col(Prompt.status).in_(("completed", "expired")), col(Prompt.kind) != WAVE_KIND)
        .group_by(Prompt.participant_id)
    ).all()
    return {pid: (int(done or 0), int(settled)) for pid, done, settled in rows}


@dataclass
class Waves:
    missed: dict[Any, tuple[str, datetime]]
    next_at: dict[Any, datetime]


def waves(session: Session, study: Study, *, now: datetime) -> Waves:
    """Each participant's latest missed wave and her next one, from one read of wave prompts."""
    rows = session.execute(
        select(Prompt.participant_id, Prompt.schedule_id, Prompt.status, Prompt.scheduled_at)
        .add_columns(Prompt.expires_at)
        .join(Participant, col(Participant.id) == Prompt.participant_id)
        .where(Participant.study_id == study.id, Prompt.kind == WAVE_KIND)
        .order_by(col(Prompt.scheduled_at))
    ).all()
    found = Waves(missed={}, next_at={})
    for pid, wave, status, opens, closes in rows:
        if status == "expired":
            found.missed[pid] = (wave, closes)
        elif status not in ("completed", "cancelled") and closes > now:
            found.next_at.setdefault(pid, opens)
    return found


def practice_minutes(session: Session, study: Study, *, since: datetime) -> dict[Any, int]:
    rows = session.execute(
        select(PracticeSession.participant_id, func.sum(PracticeSession.seconds_practiced))
        .join(Participant, col(Participant.id) == PracticeSession.participant_id)
        .where(Participant.study_id == study.id)
        .where(col(PracticeSession.started_at) >= since)
        .group_by(PracticeSession.participant_id)
    ).all()
    return {pid: round((seconds or 0) / 60) for pid, seconds in rows}


def by_participant(rows: list[Any]) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.participant_id].append(row)
    return grouped


def last_seen(facts: StudyFacts, pid: Any) -> datetime | None:
    seen = [
        f[pid] for f in (facts.last_checkin, facts.last_device, facts.last_practice) if pid in f
    ]
    return max(seen) if seen else None


def week_ago(now: datetime) -> datetime:
    return now - timedelta(days=7)
