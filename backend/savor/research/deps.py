"""The research token a route needs: one alias per scope, so no route repeats the check."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends
from sqlmodel import Session

from savor.research import service as research_service
from savor.research.access import ResearchAccess, TokenScope, require_scope

StudiesReader = Annotated[ResearchAccess, Depends(require_scope(TokenScope.STUDIES_READ))]
ProtocolWriter = Annotated[ResearchAccess, Depends(require_scope(TokenScope.PROTOCOL_WRITE))]
CodesWriter = Annotated[ResearchAccess, Depends(require_scope(TokenScope.CODES_WRITE))]
ParticipantsReader = Annotated[ResearchAccess, Depends(require_scope(TokenScope.PARTICIPANTS_READ))]
ParticipantsDeleter = Annotated[
    ResearchAccess, Depends(require_scope(TokenScope.PARTICIPANTS_DELETE))
]
ExportReader = Annotated[ResearchAccess, Depends(require_scope(TokenScope.EXPORT_READ))]
AuditReader = Annotated[ResearchAccess, Depends(require_scope(TokenScope.AUDIT_READ))]
AlertsManager = Annotated[ResearchAccess, Depends(require_scope(TokenScope.ALERTS_MANAGE))]


def audit(
    session: Session,
    access: ResearchAccess,
    action: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record what this token did, and commit it with whatever the route changed."""
    research_service.record(
        session=session,
        study=access.study,
        token=access.token,
        action=action,
        now=now,
        detail=detail,
    )
    session.commit()
