"""One row per decision point: what was known and decided, stored before anything is shown.

What followed (the offer's outcome, a practice begun, the proximal outcome) is read from the
offer, practice session and response tables, where it is recorded as it happens; the
`decisions` export joins them (research/exports/decision_rows.py).
"""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from savor.sqltypes import UTCDateTime

# Why a decision point was not randomized, checked in this order.
UNAVAILABLE = {
    "withdrawn": "she had left the study",
    "crisis": "this check-in reached a crisis threshold: crisis help was shown, never randomized",
    "crisis_screen": "crisis help was shown to her within the protocol's crisis_minutes",
    "late": "the check-in reached the server too late for an offer in the moment",
    "practising": "she was in a practice",
    "recent_offer": "an offer was made within min_minutes_between_offers",
    "daily_limit": "max_offers_per_day offers were already made on her day",
}


class Decision(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("participant_id", "point"),
        Index("ix_decision_seq", "seq", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    participant_id: uuid.UUID = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    point: str = Field(
        max_length=80, description="the decision point's identity, e.g. checkin:<client id>"
    )
    rule: str = Field(max_length=24)
    kind: str = Field(max_length=12)
    protocol_version: int
    decided_at: datetime = Field(sa_type=UTCDateTime)
    local_date: date
    rating: int | None = Field(default=None, description="the highest rating of the rule's items")
    stratum: str | None = Field(default=None, max_length=24)
    available: bool
    unavailable_reason: str | None = Field(default=None, max_length=16)
    probabilities: dict[str, float] = Field(sa_column=Column(JSON, nullable=False))
    draw: float | None = Field(default=None, description="the seeded uniform draw in [0, 1)")
    option: str | None = Field(default=None, max_length=24)
    practice_id: str | None = Field(default=None, max_length=8)
    response_id: uuid.UUID | None = Field(
        default=None, foreign_key="response.id", ondelete="CASCADE"
    )
    follow_up_prompt_id: uuid.UUID | None = Field(default=None, foreign_key="prompt.id")
    window_start: datetime = Field(sa_type=UTCDateTime)
    window_end: datetime = Field(sa_type=UTCDateTime)
    # Set by a database trigger, for incremental exports (see research/cursor.py).
    seq: int | None = Field(default=None, sa_type=BigInteger)
