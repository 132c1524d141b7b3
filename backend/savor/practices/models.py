"""Practice sessions as the phone reports them, and what the catalog and program API return."""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import field_validator
from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from savor.clock import utcnow
from savor.phone_time import PhoneTime
from savor.sqltypes import UTCDateTime

Trigger = Literal["self", "prompt", "rule"]
MAX_SESSION_SECONDS = 4 * 3600


class Answer(SQLModel):
    """One before/after rating; `declined` records "prefer not to answer", never a blank."""

    item_id: str = Field(max_length=40)
    value: Any = None
    declined: bool = False


class PracticeSessionBase(SQLModel):
    client_id: uuid.UUID = Field(description="made on the phone; the idempotency key")
    practice_id: str = Field(max_length=8)
    practice_version: str = Field(max_length=12)
    variant: str = Field(max_length=32)
    option: str | None = Field(default=None, max_length=32)
    completed: bool
    seconds_practiced: int = Field(ge=0, le=MAX_SESSION_SECONDS)
    steps_completed: int = Field(ge=0, le=100)
    trigger: str = Field(default="self", max_length=8)
    prompt_id: uuid.UUID | None = None
    rule: str | None = Field(default=None, max_length=40)


class PracticeSession(PracticeSessionBase, table=True):
    __tablename__ = "practice_session"
    __table_args__ = (
        UniqueConstraint("participant_id", "client_id"),
        Index("ix_practice_session_seq", "seq", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    participant_id: uuid.UUID = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    local_date: date = Field(description="her calendar day when she started", index=True)
    program_week: int
    protocol_version: int
    pre_instrument: str | None = Field(default=None, max_length=40)
    pre_instrument_version: str | None = Field(default=None, max_length=40)
    pre: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    post_instrument: str | None = Field(default=None, max_length=40)
    post_instrument_version: str | None = Field(default=None, max_length=40)
    post: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    body_hash: str = Field(max_length=64, description="detects a reused client id")
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set by a database trigger, for incremental exports (see research/cursor.py).
    seq: int | None = Field(default=None, sa_type=BigInteger)


class PracticeSessionCreate(PracticeSessionBase):
    practice_version: str = Field(max_length=12, schema_extra={"pattern": r"^[0-9a-f]{12}$"})
    trigger: Trigger = "self"
    rule: str | None = Field(default=None, max_length=40, schema_extra={"pattern": r"^[a-z0-9_]+$"})
    started_at: PhoneTime
    ended_at: PhoneTime | None = None
    pre_instrument: str | None = Field(default=None, max_length=40)
    pre: list[Answer] | None = Field(default=None, description="null when she skipped it")
    post_instrument: str | None = Field(default=None, max_length=40)
    post: list[Answer] | None = None

    @field_validator("pre", "post")
    @classmethod
    def _bounded(cls, answers: list[Answer] | None) -> list[Answer] | None:
        if answers is not None and len(answers) > 30:
            raise ValueError("at most 30 answers")
        return answers


class PracticeSessionPublic(PracticeSessionBase):
    started_at: datetime
    ended_at: datetime | None
    local_date: date
    program_week: int
    pre_instrument: str | None
    pre: list[dict[str, Any]] | None
    post_instrument: str | None
    post: list[dict[str, Any]] | None
    received_at: datetime
