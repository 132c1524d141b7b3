"""Participant API: her settings and study status, and where to find help.

Joining, changing and leaving the study also plan or stop her prompts: those routes are
composed above the domains, in savor/membership.py.
"""

from fastapi import APIRouter

from savor.db import SessionDep
from savor.studies import service as studies_service
from savor.studies.models import HelpView, ParticipantPublic
from savor.studies.signin import CurrentParticipant

router = APIRouter(prefix="/api/v1", tags=["participant"])


@router.get("/me", response_model=ParticipantPublic)
def read_me(participant: CurrentParticipant, session: SessionDep) -> ParticipantPublic:
    """Her settings and study status."""
    return studies_service.participant_public(session=session, participant=participant)


@router.get("/help", response_model=HelpView)
def read_help(participant: CurrentParticipant, session: SessionDep) -> HelpView:
    """Crisis resources and the study's own contact, in her language."""
    return studies_service.help_for(session=session, participant=participant)
