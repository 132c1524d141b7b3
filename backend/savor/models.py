"""Every table, imported in one place so metadata is complete for Alembic and tests."""

from savor.ema.models import (
    InstrumentVersion,
    Offer,
    Prompt,
    PushSubscription,
    Response,
    ResponseItem,
    StaffAlert,
)
from savor.practices.models import PracticeSession
from savor.research.models import AuditEvent
from savor.research.staff.models import (
    StaffAccount,
    StaffRecoveryCode,
    StaffSession,
    StaffSetupLink,
    StaffStudyRole,
)
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
    "InstrumentVersion",
    "Offer",
    "Participant",
    "ParticipantToken",
    "PracticeSession",
    "Prompt",
    "Protocol",
    "PushSubscription",
    "ResearchToken",
    "Response",
    "ResponseItem",
    "StaffAccount",
    "StaffAlert",
    "StaffRecoveryCode",
    "StaffSession",
    "StaffSetupLink",
    "StaffStudyRole",
    "Study",
]
