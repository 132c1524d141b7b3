"""Whether a decision point may be randomized: the protocol's availability conditions, read
fresh where the decision is stored. A crisis comes first and is never randomized."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection
from sqlmodel import col

from savor.ema.decisions.models import Decision
from savor.ema.models import Offer, Response
from savor.practices.models import PracticeSession
from savor.studies.decision_rules import Availability

CRISIS_RULE = "crisis_help"
BEFORE_PRACTICE = "pre_practice"
AFTER_PRACTICE = ("post_practice", "post_practice_craving", "post_practice_savoring")
# A check-in drained from an offline outbox this long after she sent it is no moment to offer.
LATE_AFTER = timedelta(minutes=15)


@dataclass
class Facts:
    """What availability is decided on, as known when the decision is stored."""

    withdrawn: bool = False
    crisis_now: bool = False
    late: bool = False
    last_crisis_at: datetime | None = None
    practising: bool = False
    offers: list[datetime] = field(default_factory=list)  # her offers' times, newest last
    offers_today: int = 0


def why_unavailable(facts: Facts, rules: Availability, now: datetime) -> str | None:
    """The first condition that holds (models.UNAVAILABLE), or None: randomize."""
    if facts.withdrawn:
        return "withdrawn"
    if facts.crisis_now:
        return "crisis"
    if facts.last_crisis_at and now - facts.last_crisis_at < timedelta(
        minutes=rules.crisis_minutes
    ):
        return "crisis_screen"
    if facts.late:
        return "late"
    if facts.practising:
        return "practising"
    gap = timedelta(minutes=rules.min_minutes_between_offers)
    if facts.offers and now - facts.offers[-1] < gap:
        return "recent_offer"
    if facts.offers_today >= rules.max_offers_per_day:
        return "daily_limit"
    return None


def read_facts(
    connection: Connection,
    *,
    participant_id: uuid.UUID,
    rules: Availability,
    now: datetime,
    local_date: date,
) -> Facts:
    """Her crisis help, practice and offers as stored (the caller adds what its own set holds)."""
    facts = Facts()
    facts.last_crisis_at = connection.execute(
        select(func.max(Offer.offered_at)).where(
            Offer.participant_id == participant_id, Offer.rule == CRISIS_RULE
        )
    ).scalar()
    facts.practising = _practising(connection, participant_id, rules, now)
    offered = (
        select(Decision.decided_at, Decision.local_date)
        .where(Decision.participant_id == participant_id)
        .where(Decision.practice_id.is_not(None))  # type: ignore[union-attr]
        .where(Decision.decided_at > now - timedelta(days=2))
        .order_by(Decision.decided_at)
    )
    for at, day in connection.execute(offered):
        facts.offers.append(at)
        facts.offers_today += day == local_date
    return facts


def _practising(
    connection: Connection, participant_id: uuid.UUID, rules: Availability, now: datetime
) -> bool:
    since = now - timedelta(minutes=rules.practice_minutes)
    reported = connection.execute(
        select(func.count())
        .select_from(PracticeSession)
        .where(PracticeSession.participant_id == participant_id)
        .where(PracticeSession.started_at <= now, PracticeSession.started_at > since)
        .where(or_(PracticeSession.ended_at.is_(None), PracticeSession.ended_at >= now))  # type: ignore[union-attr]
    ).scalar()
    if reported:
        return True
    # The before-practice check-in comes as she starts; the session itself only when it ends.
    latest = dict(
        connection.execute(
            select(Response.instrument_id, func.max(Response.submitted_at))
            .where(Response.participant_id == participant_id)
            .where(col(Response.instrument_id).in_((BEFORE_PRACTICE, *AFTER_PRACTICE)))
            .where(Response.submitted_at > since)
            .group_by(Response.instrument_id)
        ).all()
    )
    began = latest.get(BEFORE_PRACTICE)
    ended = max((latest[i] for i in AFTER_PRACTICE if i in latest), default=None)
    return began is not None and (ended is None or ended < began)
