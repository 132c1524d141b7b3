"""Research tokens, the audit trail of what they did, and what researchers see of a study."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from savor.clock import utcnow
from savor.ema.compliance import Compliance
from savor.notify.health import DeviceHealth
from savor.sqltypes import UTCDateTime


class ResearchToken(SQLModel, table=True):
    __tablename__ = "research_token"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    study_id: uuid.UUID = Field(foreign_key="study.id", index=True, ondelete="CASCADE")
    label: str = Field(default="", max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    scopes: str = Field(max_length=500, description="space-separated scope names")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A person's own token (made while signed in) names her and always expires; tokens made
    # on the command line belong to nobody and last until revoked.
    staff_id: uuid.UUID | None = Field(default=None, foreign_key="staff_account.id", index=True)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditEvent(SQLModel, table=True):
    """Append-only: rows are written, never updated or deleted by the service."""

    __tablename__ = "audit_event"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    study_id: uuid.UUID = Field(foreign_key="study.id", index=True, ondelete="CASCADE")
    token_id: uuid.UUID | None = Field(default=None, foreign_key="research_token.id")
    actor: str = Field(max_length=100, description="'token:<label>' or 'cli'")
    action: str = Field(max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class ChangeCounter(SQLModel, table=True):
    """SQLite only: the last change position handed out (see research/cursor.py).

    PostgreSQL needs no counter: there a row's change position is its transaction's id.
    """

    __tablename__ = "change_counter"

    id: int = Field(primary_key=True)
    value: int = Field(default=0, sa_type=BigInteger)


class StudyWebhook(SQLModel, table=True):
    """Where a study's staff alerts are posted, and the key that signs each post."""

    __tablename__ = "study_webhook"

    study_id: uuid.UUID = Field(primary_key=True, foreign_key="study.id", ondelete="CASCADE")
    url: str = Field(max_length=500)
    # Kept in plain text because signing needs it; shown to the researcher once.
    secret: str = Field(max_length=128)
    created_at: datetime = Field(sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One staff alert's way to the study's webhook: claimed, retried with backoff, delivered."""

    __tablename__ = "webhook_delivery"

    alert_id: uuid.UUID = Field(primary_key=True, foreign_key="staff_alert.id", ondelete="CASCADE")
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, index=True)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=200)


class StudyPublic(SQLModel):
    slug: str
    name: str
    protocol_version: int
    created_at: datetime
    participants: int
    active_participants: int


class ParticipantCompliance(SQLModel):
    pseudonym: str
    status: str = Field(description="active or withdrawn")
    stage: str | None = Field(
        default=None, description="pregnant, postpartum or other, as she says now; null when unsaid"
    )
    program_week: int = Field(description="her program week now, from 1")
    consent_version: int | None = Field(
        default=None, description="the consent version she last agreed to"
    )
    consent_needed: bool = Field(
        default=False,
        description="true while she, still active, has not agreed to the study's current consent",
    )
    compliance: Compliance
    notifications: str = Field(
        description="ok; failing: her notifications are not reaching her phone; or stopped: "
        "she withdrew and nothing is sent"
    )
    notifications_reason: str | None = Field(
        default=None,
        description="no_device (none subscribed), push_refused (every device refused "
        "its last 3 pushes) or no_receipts (her last 3 pushes never reported delivered in time)",
    )
    devices: list[DeviceHealth] = Field(
        default=[],
        description="her devices' push service family, install, permission, app "
        "version, last seen and last accepted push (never an endpoint or user agent)",
    )


class ProtocolVersionPublic(SQLModel):
    version: int = Field(description="1 for the first, one more for each change")
    created_at: datetime = Field(description="when it was applied, UTC")
    active: bool = Field(description="the version in force now")
    document: dict[str, Any] = Field(
        description="the protocol as parsed: schedules, thresholds, features, program"
    )


class CatalogPractice(SQLModel):
    id: str = Field(description="the practice id of practice_sessions.practice_id")
    version: str = Field(description="hash of its script now (practice_version in an export)")
    title: dict[str, str] = Field(description="its title by language (en, es)")
    kind: str = Field(description="mindfulness, reappraisal or savoring")
    audience: list[str] = Field(description="who may see it: all, pregnant or postpartum")
    unlock_weeks: dict[str, int | None] = Field(
        description="the program week it unlocks in, by stage; null: never for that stage"
    )
    pre_instruments: list[str] = Field(description="before-practice check-ins it may ask")
    post_instruments: list[str] = Field(description="after-practice check-ins it may ask")


class CatalogPublic(SQLModel):
    study: str
    protocol_version: int = Field(description="the protocol version whose catalog this is")
    practices: list[CatalogPractice]


class ComplianceReport(SQLModel):
    study: str
    generated_at: datetime
    overall: Compliance
    notifications_failing: int
    participants: list[ParticipantCompliance]


class AlertPublic(SQLModel):
    id: uuid.UUID
    pseudonym: str
    items: list[str]
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class ProtocolApplied(SQLModel):
    study: str
    protocol_version: int
    changed: bool = Field(description="false when the document equals the active version")


class EnrollmentCodesCreate(SQLModel):
    count: int = Field(ge=1, le=1000, schema_extra={"examples": [20]})
    expires_in_days: int | None = Field(
        default=None, ge=1, le=365, description="default: the protocol's enrollment_code_days"
    )


class EnrollmentCodePublic(SQLModel):
    code: str = Field(schema_extra={"examples": ["7KQ2-M9XD"]})
    link: str = Field(schema_extra={"examples": ["https://savor.example.org/?code=7KQ2-M9XD"]})
    qr_svg: str = Field(description="the link as a QR code, a standalone SVG to print")


class EnrollmentCodesPublic(SQLModel):
    study: str
    expires_at: datetime
    codes: list[EnrollmentCodePublic]


class AuditEventPublic(SQLModel):
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


class WebhookUpdate(SQLModel):
    url: str = Field(
        max_length=500,
        schema_extra={"pattern": r"^https?://", "examples": ["https://alerts.example.org/savor"]},
    )
    # Where it may point depends on the settings: webhook.set_webhook checks it.


class WebhookPublic(SQLModel):
    url: str
    created_at: datetime
    secret: str | None = Field(
        default=None, description="the signing key, shown only when the webhook is set"
    )
