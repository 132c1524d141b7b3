"""Research API: studies a research token may see. Every read leaves an audit event."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from savor.auth import ResearchAccess, Scope, require_scope
from savor.clock import utcnow
from savor.db import SessionDep
from savor.ema import service as ema_service
from savor.ema.models import StaffAlert
from savor.practices import progress
from savor.research import service as research_service
from savor.research.models import (
    AlertPublic,
    ComplianceReport,
    ParticipantCompliance,
    StudyPublic,
)
from savor.studies.models import Participant
from savor.studies.pseudonym import pseudonym

router = APIRouter(prefix="/api/research/v1", tags=["research"])

StudiesReader = Annotated[ResearchAccess, Depends(require_scope(Scope.STUDIES_READ))]


@router.get("/studies", response_model=list[StudyPublic])
def read_studies(access: StudiesReader, session: SessionDep) -> list[StudyPublic]:
    """The studies this token gives access to (a token belongs to one study)."""
    research_service.record(
        session=session, study=access.study, token=access.token, action="studies.list", now=utcnow()
    )
    session.commit()
    return [research_service.study_public(session=session, study=access.study)]


@router.get("/studies/{slug}", response_model=StudyPublic)
def read_study(slug: str, access: StudiesReader, session: SessionDep) -> StudyPublic:
    """One study: name, protocol version and participant counts."""
    research_service.record(
        session=session, study=access.study, token=access.token, action="studies.read", now=utcnow()
    )
    session.commit()
    return research_service.study_public(session=session, study=access.study)


ParticipantsReader = Annotated[ResearchAccess, Depends(require_scope(Scope.PARTICIPANTS_READ))]
AlertsManager = Annotated[ResearchAccess, Depends(require_scope(Scope.ALERTS_MANAGE))]


def _pseudonym(access: ResearchAccess, participant: Participant) -> str:
    return pseudonym(study_secret=access.study.secret, participant_id=participant.id)


@router.get("/studies/{slug}/compliance", response_model=ComplianceReport)
def read_compliance(slug: str, access: ParticipantsReader, session: SessionDep) -> ComplianceReport:
    """Prompts sent, answered on time or late, expired, and response delays, per participant."""
    now = utcnow()
    rows = ema_service.compliance_by_participant(session=session, study=access.study, now=now)
    research_service.record(
        session=session, study=access.study, token=access.token, action="compliance.read", now=now
    )
    session.commit()
    return ComplianceReport(
        study=access.study.slug,
        generated_at=now,
        overall=ema_service.study_compliance(session=session, study=access.study, now=now),
        participants=[
            ParticipantCompliance(
                pseudonym=_pseudonym(access, p),
                status="withdrawn" if p.withdrawn_at else "active",
                program_week=progress.program_week(
                    enrolled_at=p.enrolled_at, timezone=p.timezone, now=now
                ),
                compliance=c,
            )
            for p, c in rows
        ],
    )


def _alert_view(access: ResearchAccess, alert: StaffAlert, participant: Participant) -> AlertPublic:
    return AlertPublic(
        id=alert.id,
        pseudonym=_pseudonym(access, participant),
        items=alert.items,
        created_at=alert.created_at,
        acknowledged_at=alert.acknowledged_at,
        acknowledged_by=alert.acknowledged_by,
    )


@router.get("/studies/{slug}/alerts", response_model=list[AlertPublic])
def read_alerts(
    slug: str, access: AlertsManager, session: SessionDep, open_only: bool = True
) -> list[AlertPublic]:
    """Staff alerts (only when the protocol turns them on), oldest first."""
    pairs = ema_service.alerts_for(session=session, study=access.study, open_only=open_only)
    research_service.record(
        session=session,
        study=access.study,
        token=access.token,
        action="alerts.read",
        now=utcnow(),
        detail={"open_only": open_only},
    )
    session.commit()
    return [_alert_view(access, a, p) for a, p in pairs]


@router.post("/studies/{slug}/alerts/{alert_id}/acknowledge", response_model=AlertPublic)
def update_alert(
    slug: str, alert_id: uuid.UUID, access: AlertsManager, session: SessionDep
) -> AlertPublic:
    """A coordinator has seen the alert and acted on it."""
    now = utcnow()
    by = access.token.label or str(access.token.id)
    alert, participant = ema_service.acknowledge_alert(
        session=session, study=access.study, alert_id=alert_id, by=by, now=now
    )
    research_service.record(
        session=session,
        study=access.study,
        token=access.token,
        action="alerts.acknowledge",
        now=now,
        detail={"alert": str(alert.id)},
    )
    session.commit()
    return _alert_view(access, alert, participant)
