"""Research API: studies a research token may see. Every read leaves an audit event."""

from typing import Annotated

from fastapi import APIRouter, Depends

from savor.auth import ResearchAccess, Scope, require_scope
from savor.clock import utcnow
from savor.db import SessionDep
from savor.research import service as research_service
from savor.research.models import StudyPublic

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
