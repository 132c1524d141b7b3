"""Participant API: the consent she reads, agrees to again, and deletion at her request.

Every change is on the study's audit trail (actor `participant`, under her pseudonym), which
is the research domain's: so these routes sit above the domains.
"""

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from sqlmodel import Session

from savor.clock import utcnow
from savor.db import SessionDep
from savor.ema import service as ema_service
from savor.errors import AppError
from savor.notify import service as notify_service
from savor.research import service as research_service
from savor.studies import agreements
from savor.studies import service as studies_service
from savor.studies.models import (
    ConsentAgreement,
    ConsentView,
    DeletionResult,
    Participant,
    ParticipantPublic,
    Study,
)
from savor.studies.protocol import ProtocolDocument
from savor.studies.pseudonym import pseudonym
from savor.studies.signin import CurrentParticipant

router = APIRouter(prefix="/api/v1", tags=["participant"])
ACTOR = "participant"


def audit_her(
    session: Session, participant: Participant, action: str, now: datetime, **detail: Any
) -> None:
    """An audit event about her, under her pseudonym, in the caller's transaction."""
    study = session.get_one(Study, participant.study_id)
    name = pseudonym(study_secret=study.secret, participant_id=participant.id)
    detail = {"pseudonym": name, **detail}
    research_service.record(
        session=session, study=study, action=action, now=now, detail=detail, actor=ACTOR
    )


def _document(session: Session, participant: Participant) -> tuple[Study, ProtocolDocument]:
    study = session.get_one(Study, participant.study_id)
    return study, studies_service.protocol_document(session=session, study=study)


@router.get("/me/consent", response_model=ConsentView)
def read_consent(participant: CurrentParticipant, session: SessionDep) -> ConsentView:
    """The study's consent now, in her language, and the version she agreed to."""
    _, document = _document(session, participant)
    return agreements.view(
        document, language=participant.language, agreed=participant.consent_version
    )


@router.post("/me/consent", response_model=ParticipantPublic)
def agree_again(
    body: ConsentAgreement, participant: CurrentParticipant, session: SessionDep
) -> ParticipantPublic:
    """She agrees to the study's newer consent; agreeing to the one she has is a no-op."""
    now = utcnow()
    study, document = _document(session, participant)
    if participant.withdrawn_at is not None:
        raise AppError(409, "withdrawn", "You have left the study: there is nothing to agree to.")
    agreements.check_version(body.version, document)
    if participant.consent_version != body.version:
        agreements.record_agreement(
            session=session,
            participant=participant,
            document=document,
            protocol=study.active_protocol_version,
            now=now,
        )
        audit_her(session, participant, "consent.agreed", now, version=body.version)
        session.commit()
        session.refresh(participant)
    return studies_service.participant_public(session=session, participant=participant)


@router.post("/me/deletion", response_model=DeletionResult)
def delete_me(participant: CurrentParticipant, session: SessionDep) -> DeletionResult:
    """Delete what the study holds about her, as far as the consent she agreed to says:
    everything (she is listed in the `deletions` dataset so copies follow), or her sign-in
    and devices, keeping what was collected until she withdrew. This phone's token ends."""
    now = utcnow()
    _, document = _document(session, participant)
    scope = agreements.deletion_scope(session=session, participant=participant, document=document)
    # The audit event outlives her rows; it names her pseudonym only.
    audit_her(session, participant, "participant.deleted", now, scope=scope)
    if scope == agreements.EVERYTHING:
        agreements.delete_everything(session=session, participant=participant, now=now)
        session.commit()
        return DeletionResult(scope=scope)
    withdrawn = studies_service.withdraw(session=session, participant=participant, now=now)
    ema_service.stop_for(session=session, participant=withdrawn, now=now)
    notify_service.remove_all(session=session, participant=withdrawn)
    agreements.close_account(session=session, participant=withdrawn, now=now)
    session.commit()
    return DeletionResult(scope=scope)
