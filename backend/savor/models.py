"""Every table, imported in one place so metadata is complete for Alembic and tests."""

from savor.research.models import AuditEvent
from savor.studies.models import (
    EnrollmentCode,
    Participant,
    ParticipantToken,
    Protocol,
    ResearchToken,
    Study,
)

__all__ = [
    "AuditEvent",
    "EnrollmentCode",
    "Participant",
    "ParticipantToken",
    "Protocol",
    "ResearchToken",
    "Study",
]
