"""Every table, imported here from the domain that owns it, so the metadata Alembic and the
tests read is complete."""

from savor.ema.alerts import StaffAlert
from savor.ema.decisions.models import Decision
from savor.ema.models import (
    InstrumentVersion,
    Offer,
    Prompt,
    QuestionnaireScore,
    Response,
    ResponseItem,
)
from savor.notify.models import PushSubscription
from savor.practices.models import PracticeSession
from savor.research.models import (
    AuditEvent,
    ChangeCounter,
    ResearchToken,
    StudyWebhook,
    WebhookDelivery,
)
from savor.research.staff.models import (
    StaffAccount,
    StaffRecoveryCode,
    StaffSession,
    StaffSetupLink,
    StaffStudyRole,
)
from savor.studies.models import (
    ConsentRecord,
    EnrollmentCode,
    Participant,
    ParticipantDeletion,
    ParticipantState,
    ParticipantToken,
    Protocol,
    Study,
)

__all__ = [
    "AuditEvent",
    "ChangeCounter",
    "ConsentRecord",
    "Decision",
    "EnrollmentCode",
    "InstrumentVersion",
    "Offer",
    "Participant",
    "ParticipantDeletion",
    "ParticipantState",
    "ParticipantToken",
    "PracticeSession",
    "Prompt",
    "Protocol",
    "PushSubscription",
    "QuestionnaireScore",
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
    "StudyWebhook",
    "WebhookDelivery",
]
