"""Studies, protocol versions, enrollment codes, participants and their tokens."""

import uuid
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import WithJsonSchema
from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint, true
from sqlmodel import Field, SQLModel

from savor.clock import utcnow
from savor.sqltypes import UTCDateTime


def _uuid_pk() -> Any:
    return Field(default_factory=uuid.uuid4, primary_key=True)


def _created_at() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Study(SQLModel, table=True):
    id: uuid.UUID = _uuid_pk()
    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    # Keys the pseudonyms researchers see; never leaves the server.
    secret: str = Field(max_length=128)
    active_protocol_version: int = 1
    created_at: datetime = _created_at()
    # When planning last went through everyone: whose days it covered need no second look.
    planned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Its study team signs in with a password and a code from an authenticator app.
    staff_two_factor: bool = Field(default=True, sa_column_kwargs={"server_default": true()})


class Protocol(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("study_id", "version"),)

    id: uuid.UUID = _uuid_pk()
    study_id: uuid.UUID = Field(foreign_key="study.id", index=True, ondelete="CASCADE")
    version: int
    source: str = Field(description="the YAML exactly as submitted")
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = _created_at()


class EnrollmentCode(SQLModel, table=True):
    __tablename__ = "enrollment_code"

    id: uuid.UUID = _uuid_pk()
    study_id: uuid.UUID = Field(foreign_key="study.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _created_at()
    expires_at: datetime = Field(sa_type=UTCDateTime)
    # Only the day: a use time would match her enrolled_at and tie a printed code list to her.
    used_on: date | None = None


class ParticipantBase(SQLModel):
    timezone: str = Field(max_length=64)
    language: str = Field(max_length=8)
    wake_time: time = time(7, 0)
    sleep_time: time = time(22, 0)
    stage: str | None = Field(default=None, max_length=16)


class Participant(ParticipantBase, table=True):
    # Deliberately no name, email, phone, address or birth date: nothing here identifies her.
    __table_args__ = (Index("ix_participant_seq", "seq", "id"),)

    id: uuid.UUID = _uuid_pk()
    study_id: uuid.UUID = Field(foreign_key="study.id", index=True, ondelete="CASCADE")
    enrolled_at: datetime = _created_at()
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The switches she agreed to when she joined, and under which protocol version (see
    # studies/consent.py); a later protocol turns none of them on for her without a new yes.
    agreed_features: dict[str, bool] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    agreed_protocol_version: int | None = None
    # The consent version she last agreed to (her consent_record rows hold each agreement);
    # none for who joined before consent was versioned, who is asked at her next visit.
    consent_version: int | None = None
    # What her prompts were last planned from, and the last local day planned then; while the
    # key still matches, the daily run only adds the days that are new (see ema/planning.py).
    plan_key: str | None = Field(default=None, max_length=16)
    planned_through: date | None = None
    # Her daily practice reminder, on her wall clock in her zone; a trial's practice_reminder
    # rule makes it a decision point (ema/decisions/probes.py). None until she sets one.
    practice_reminder_time: time | None = None
    # Set by a database trigger, for incremental exports (see research/cursor.py).
    seq: int | None = Field(default=None, sa_type=BigInteger)


class ParticipantToken(SQLModel, table=True):
    __tablename__ = "participant_token"

    id: uuid.UUID = _uuid_pk()
    participant_id: uuid.UUID = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _created_at()
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


Stage = Literal["pregnant", "postpartum", "other"]
# Her wall-clock time of day has no UTC offset, which JSON Schema's "time" format demands.
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$", "example": "07:00"}
    ),
]
Language = Literal["en", "es"]


class ParticipantPublic(SQLModel):
    study: str
    timezone: str
    language: str
    wake_time: LocalTime
    sleep_time: LocalTime
    stage: str | None
    enrolled_at: datetime
    status: Literal["active", "withdrawn"]
    withdrawn_at: datetime | None
    practice_reminder_time: LocalTime | None = None
    # Whether the study's trial makes her practice reminder time a decision point.
    practice_reminders: bool = False
    # What the app must tell her truthfully, and the rules it applies while offline.
    staff_alerts: bool
    high_rating_threshold: int
    consent_version: int | None = Field(description="the consent version she last agreed to")
    consent_needed: bool = Field(
        description="a newer consent waits for her agreement: the app shows it before anything"
    )


class EnrollRequest(SQLModel):
    code: str = Field(max_length=40, description="the code from the study team, e.g. 7KQ2-M9XD")
    timezone: str = Field(max_length=64, description="IANA time zone, e.g. America/Chicago")
    language: str = Field(default="en", max_length=16)
    consent_version: int = Field(
        description="the version of the consent she read and agreed to (see /enroll/consent)"
    )


class ConsentPreviewRequest(SQLModel):
    code: str = Field(max_length=40, description="the code from the study team, e.g. 7KQ2-M9XD")
    language: str = Field(default="en", max_length=16)


class ConsentView(SQLModel):
    version: int
    language: str
    key_facts: list[str] = Field(description="shown first, on their own")
    document: str = Field(description="the full text; paragraphs are separated by a blank line")
    staff_alerts: bool = Field(description="whether a coordinator is alerted on crisis answers")
    on_deletion: str = Field(description="everything, or keep_until_withdrawal")
    agreed_version: int | None = Field(default=None, description="the version she agreed to")


class ConsentAgreement(SQLModel):
    version: int = Field(description="the consent version she read and agrees to")


class DeletionResult(SQLModel):
    scope: str = Field(
        description="everything: all of hers is gone; keep_until_withdrawal: she is withdrawn, "
        "her sign-in ended, what was collected until then is kept"
    )


class EnrollResponse(SQLModel):
    token: str
    participant: ParticipantPublic


class ParticipantUpdate(SQLModel):
    timezone: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=16)
    wake_time: LocalTime | None = None
    sleep_time: LocalTime | None = None
    stage: Stage | None = None
    # Null clears it: no reminder.
    practice_reminder_time: LocalTime | None = None


class HelpResource(SQLModel):
    id: str
    name: str
    description: str | None
    phone: str | None
    sms: str | None
    url: str | None


class HelpView(SQLModel):
    contact: str
    resources: list[HelpResource]
    staff_alerts: bool


class ParticipantState(SQLModel, table=True):
    """Her settings from `at` on: one row when she joins and one per change of zone, stage or
    waking window. Exports read a record's time zone from here at the record's own moment
    (studies/history.py), so a move or a DST change never rewrites what already happened."""

    __tablename__ = "participant_state"
    __table_args__ = (
        Index("ix_participant_state_seq", "seq", "id"),
        Index("ix_participant_state_participant_id_at", "participant_id", "at"),
    )

    id: uuid.UUID = _uuid_pk()
    participant_id: uuid.UUID = Field(foreign_key="participant.id", ondelete="CASCADE")
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    timezone: str = Field(max_length=64)
    stage: str | None = Field(default=None, max_length=16)
    wake_time: time
    sleep_time: time
    # Set by a database trigger, for incremental exports (see research/cursor.py).
    seq: int | None = Field(default=None, sa_type=BigInteger)


class ConsentRecord(SQLModel, table=True):
    """One agreement of hers to one consent version, with the switches it covers; a newer
    agreement follows it, leaving it as it was. `withdrawn_at` is set when she leaves."""

    __tablename__ = "consent_record"
    __table_args__ = (Index("ix_consent_record_seq", "seq", "id"),)

    id: uuid.UUID = _uuid_pk()
    participant_id: uuid.UUID = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    version: int
    protocol_version: int
    agreed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    features: dict[str, bool] = Field(sa_column=Column(JSON, nullable=False))
    # What a deletion at her request removes, as the consent she agreed to said.
    on_deletion: str = Field(max_length=32)
    # Set by a database trigger, for incremental exports (see research/cursor.py).
    seq: int | None = Field(default=None, sa_type=BigInteger)


class ParticipantDeletion(SQLModel, table=True):
    """Who was deleted at her request, by pseudonym only, so copies of exports can follow."""

    __tablename__ = "participant_deletion"
    __table_args__ = (Index("ix_participant_deletion_seq", "seq", "id"),)

    id: uuid.UUID = _uuid_pk()
    study_id: uuid.UUID = Field(foreign_key="study.id", index=True, ondelete="CASCADE")
    pseudonym: str = Field(max_length=32)
    deleted_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    # Set by a database trigger, for incremental exports (see research/cursor.py).
    seq: int | None = Field(default=None, sa_type=BigInteger)
