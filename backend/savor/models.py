"""Every table, imported in one place so metadata is complete for Alembic and tests."""

from savor.practices.models import PracticeSession
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
    "PracticeSession",
    "Protocol",
    "ResearchToken",
    "Study",
]
