"""The research token a route needs: one alias per scope, so no route repeats the check."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlmodel import Session

from savor.clock import utcnow
from savor.research import service as research_service
from savor.research.access import Refusal, ResearchAccess, TokenScope, require_scope
from savor.research.staff.access import STAFF_SIGN_IN


def record_refusal(request: Request, refusal: Refusal, slug: str | None) -> None:
    """Audit a refused call in a session of its own: the request's is never committed."""
    with Session(request.app.state.engine) as session:
        research_service.record_refusal(
            session=session,
            refusal=refusal,
            slug=slug,
            path=request.url.path,
            method=request.method,
            now=utcnow(),
        )


def _scoped(scope: TokenScope) -> object:
    return Depends(require_scope(scope, on_refusal=record_refusal, staff=STAFF_SIGN_IN))


StudiesReader = Annotated[ResearchAccess, _scoped(TokenScope.STUDIES_READ)]
ProtocolWriter = Annotated[ResearchAccess, _scoped(TokenScope.PROTOCOL_WRITE)]
CodesWriter = Annotated[ResearchAccess, _scoped(TokenScope.CODES_WRITE)]
ParticipantsReader = Annotated[ResearchAccess, _scoped(TokenScope.PARTICIPANTS_READ)]
ParticipantsDeleter = Annotated[ResearchAccess, _scoped(TokenScope.PARTICIPANTS_DELETE)]
ExportReader = Annotated[ResearchAccess, _scoped(TokenScope.EXPORT_READ)]
AuditReader = Annotated[ResearchAccess, _scoped(TokenScope.AUDIT_READ)]
AlertsManager = Annotated[ResearchAccess, _scoped(TokenScope.ALERTS_MANAGE)]


def audit(
    session: Session,
    access: ResearchAccess,
    action: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record what this token or person did, and commit it with whatever the route changed."""
    if access.staff is not None:
        detail = {**(detail or {}), "role": access.staff.role}
    research_service.record(
        session=session,
        study=access.study,
        token=access.token,
        action=action,
        now=now,
        detail=detail,
        actor=access.actor,
    )
    session.commit()
