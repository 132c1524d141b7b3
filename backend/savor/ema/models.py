"""Prompts and their fate, answers as sent, and offers made from answers."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, StringConstraints, field_validator
from pydantic import Field as PlainField
from pydantic_core import PydanticCustomError
from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from savor.clock import utcnow
from savor.ema.items import shape_problem
from savor.phone_time import PhoneTime
from savor.sqltypes import UTCDateTime

PromptStatus = Literal[
    "scheduled", "sending", "sent", "opened", "completed", "expired", "cancelled"
]


def _at(nullable: bool = True) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


class InstrumentVersion(SQLModel, table=True):
    """Each wording of an instrument that was ever asked, so answers validate against it."""

    __tablename__ = "instrument_version"
    __table_args__ = (UniqueConstraint("instrument_id", "version"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    instrument_id: str = Field(max_length=40)
    version: str = Field(max_length=20)
    fingerprint: str = Field(max_length=12)
    definition: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Prompt(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("participant_id", "schedule_id", "local_date", "slot"),
        Index("ix_prompt_seq", "seq", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    participant_id: uuid.UUID = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    schedule_id: str = Field(max_length=40)
    kind: str = Field(max_length=16)
    instrument_id: str = Field(max_length=40)
    instrument_version: str = Field(max_length=20)
    protocol_version: int
    local_date: date
    slot: int
    status: str = Field(default="scheduled", max_length=12, index=True)
    scheduled_at: datetime = Field(sa_type=UTCDateTime, index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    remind_at: datetime | None = _at()
    sent_at: datetime | None = _at()
    reminded_at: datetime | None = _at()  # the last reminder
    # Every reminder counts: a wave's day 2 and day 5 reminders both show in the data.
    first_reminded_at: datetime | None = _at()
    reminders_sent: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Receipts from her phone (its clock, in UTC): the push arrived, was shown, was tapped or
    # swiped away. Only the first of each counts.
    delivered_at: datetime | None = _at()
    shown_at: datetime | None = _at()
    clicked_at: datetime | None = _at()
    dismissed_at: datetime | None = _at()
    opened_at: datetime | None = _at()
    completed_at: datetime | None = _at()
    expired_at: datetime | None = _at()
    cancelled_at: datetime | None = _at()
    answered_late: bool = False
    # Several app processes may tick at once: a prompt is claimed before it is sent.
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = _at()
    send_attempts: int = 0
    next_attempt_at: datetime | None = _at()
    pushed: int = Field(default=0, description="devices that accepted the notification")
    # Set by a database trigger, for incremental exports (see research/cursor.py).
    seq: int | None = Field(default=None, sa_type=BigInteger)


class Response(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("participant_id", "client_id"),
        Index("ix_response_seq", "seq", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    participant_id: uuid.UUID = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    client_id: uuid.UUID
    prompt_id: uuid.UUID | None = Field(default=None, foreign_key="prompt.id", index=True)
    kind: str = Field(max_length=16, description="the prompt's kind, or 'self' when she began it")
    instrument_id: str = Field(max_length=40)
    instrument_version: str = Field(max_length=20)
    instrument_fingerprint: str = Field(max_length=12)
    protocol_version: int
    started_at: datetime | None = _at()
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    timezone: str = Field(
        max_length=64,
        description="her zone when the server stored it; exports read her history instead",
    )
    local_date: date
    late: bool = False
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    body_hash: str = Field(max_length=64)
    # Set by a database trigger, for incremental exports (see research/cursor.py).
    seq: int | None = Field(default=None, sa_type=BigInteger)


class ResponseItem(SQLModel, table=True):
    __tablename__ = "response_item"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    response_id: uuid.UUID = Field(foreign_key="response.id", index=True, ondelete="CASCADE")
    item_id: str = Field(max_length=40)
    position: int
    value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    declined: bool = False
    sensitive: bool = False


class QuestionnaireScore(SQLModel, table=True):
    """One scale of a questionnaire answer set, scored as it was stored (see ema.scoring).

    Stored with its response in one transaction, so a replayed submission (same client id)
    scores nothing again; exports page through responses and read these beside them.
    """

    __tablename__ = "questionnaire_score"
    __table_args__ = (UniqueConstraint("response_id", "scale_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    participant_id: uuid.UUID = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    response_id: uuid.UUID = Field(foreign_key="response.id", index=True, ondelete="CASCADE")
    instrument_id: str = Field(max_length=40)
    instrument_version: str = Field(max_length=20)
    scoring_version: int
    scale_id: str = Field(max_length=30)
    position: int  # the scale's place in the scoring, 0 = the total
    score: int | None = Field(default=None, description="none: too many items unanswered")
    band: str | None = Field(default=None, max_length=30)
    answered: int
    declined: int
    missing: int
    prorated: bool = False


class Offer(SQLModel, table=True):
    """A rule fired on her answers, and what she did with it: offered, accepted or declined."""

    __table_args__ = (Index("ix_offer_seq", "seq", "id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    participant_id: uuid.UUID = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    response_id: uuid.UUID = Field(foreign_key="response.id", index=True, ondelete="CASCADE")
    rule: str = Field(max_length=32)
    practice_id: str | None = Field(default=None, max_length=8)
    outcome: str = Field(default="offered", max_length=12)
    offered_at: datetime = Field(sa_type=UTCDateTime)
    decided_at: datetime | None = _at()
    # Set by a database trigger on insert and on her decision, for incremental exports.
    seq: int | None = Field(default=None, sa_type=BigInteger)


# The check-in's own shapes are plain pydantic models: it is the busiest route, and SQLModel's
# constructor (needed only for tables) doubled the cost of reading a body with eight answers.
# Every part of a check-in is bounded here, before it is read further: whatever fits in a
# request body, what reaches the writer is a few kilobytes.
MAX_CONTEXT_FACTS = 8
FactName = Annotated[str, StringConstraints(max_length=40)]


class AnswerIn(BaseModel):
    item_id: str = PlainField(max_length=40)
    value: Any = None  # its item, known later, says what it may be (see ema.answers)
    declined: bool = False

    @field_validator("value")
    @classmethod
    def _answer_sized(cls, value: Any) -> Any:
        if (problem := shape_problem(value)) is not None:
            raise PydanticCustomError("answer_shape", problem)
        return value


class ResponseCreate(BaseModel):
    client_id: uuid.UUID
    prompt_id: uuid.UUID | None = None
    instrument_id: str = PlainField(max_length=40)
    instrument_version: str = PlainField(max_length=20)
    started_at: PhoneTime | None = None
    submitted_at: PhoneTime
    answers: list[AnswerIn] = PlainField(max_length=100)
    # Facts about her day that an item's show_if may ask (ema.items CONTEXT_FLAGS); the
    # instrument's own names are checked with the answers.
    context: dict[FactName, bool] = PlainField(default_factory=dict)

    @field_validator("context", mode="before")
    @classmethod
    def _few_facts(cls, context: Any) -> Any:
        # Counted before each name is read, so thousands of names are one error, not thousands.
        if isinstance(context, dict) and len(context) > MAX_CONTEXT_FACTS:
            raise PydanticCustomError(
                "too_many_facts", "may hold at most {most} facts", {"most": MAX_CONTEXT_FACTS}
            )
        return context


class OfferPublic(BaseModel):
    id: uuid.UUID
    rule: str
    practice_id: str | None
    outcome: str


def answer_order(offers: list[OfferPublic]) -> list[OfferPublic]:
    """One order for a check-in's offers, in its first answer and when it is sent again: read
    back, rows come in the table's order, which moves when she decides on one (PostgreSQL)."""
    return sorted(offers, key=lambda o: (o.rule, o.practice_id or "", str(o.id)))


class ResponsePublic(BaseModel):
    id: uuid.UUID
    client_id: uuid.UUID
    prompt_id: uuid.UUID | None
    instrument_id: str
    instrument_version: str
    submitted_at: datetime
    received_at: datetime
    late: bool
    crisis: bool
    offers: list[OfferPublic]


class OfferDecision(SQLModel):
    outcome: Literal["accepted", "declined"]
