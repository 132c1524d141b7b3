"""Audit trail of research access, and what researchers see of a study."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from savor.clock import utcnow
from savor.ema.compliance import Compliance
from savor.sqltypes import UTCDateTime


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


class StudyPublic(SQLModel):
    slug: str
    name: str
    protocol_version: int
    created_at: datetime
    participants: int
    active_participants: int


class ResearchTokenPublic(SQLModel):
    id: uuid.UUID
    study: str
    label: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None


class ParticipantCompliance(SQLModel):
    pseudonym: str
    status: str
    program_week: int
    compliance: Compliance


class ComplianceReport(SQLModel):
    study: str
    generated_at: datetime
    overall: Compliance
    participants: list[ParticipantCompliance]


class AlertPublic(SQLModel):
    id: uuid.UUID
    pseudonym: str
    items: list[str]
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
