"""Research tokens, the audit trail, and study overviews for researchers."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from savor.errors import AppError
from savor.research.access import TokenScope
from savor.research.models import AuditEvent, ResearchToken, StudyPublic
from savor.studies.models import Participant, Study
from savor.tokens import RESEARCH_PREFIX, hash_token, new_token


def create_research_token(
    *, session: Session, study: Study, scopes: list[TokenScope], label: str, now: datetime
) -> str:
    """A new token, returned once in plain text; the database keeps only its hash."""
    if not scopes:
        raise AppError(422, "no_scopes", "A research token needs at least one scope.")
    token, token_hash = new_token(RESEARCH_PREFIX)
    session.add(
        ResearchToken(
            study_id=study.id,
            label=label,
            token_hash=token_hash,
            scopes=" ".join(s.value for s in scopes),
            created_at=now,
        )
    )
    session.commit()
    return token


def find_research_token(*, session: Session, token_or_id: str) -> ResearchToken | None:
    if token_or_id.startswith(RESEARCH_PREFIX):
        where = ResearchToken.token_hash == hash_token(token_or_id)
    else:
        try:
            where = ResearchToken.id == uuid.UUID(token_or_id)
        except ValueError:
            return None
    return session.exec(select(ResearchToken).where(where)).first()


def revoke_research_token(*, session: Session, token: ResearchToken, now: datetime) -> None:
    if token.revoked_at is None:
        token.revoked_at = now
        session.add(token)
        session.commit()


def list_research_tokens(*, session: Session, study: Study) -> list[ResearchToken]:
    query = select(ResearchToken).where(ResearchToken.study_id == study.id)
    return list(session.exec(query.order_by(col(ResearchToken.created_at))))


def record(
    *,
    session: Session,
    study: Study,
    action: str,
    now: datetime,
    token: ResearchToken | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append an audit event in the caller's transaction, committed with it."""
    actor = f"token:{token.label or token.id}" if token else "cli"
    session.add(
        AuditEvent(
            study_id=study.id,
            token_id=token.id if token else None,
            actor=actor,
            action=action,
            detail=detail or {},
            at=now,
        )
    )


def study_public(*, session: Session, study: Study) -> StudyPublic:
    total, active = session.exec(
        select(
            func.count(col(Participant.id)),
            func.count(col(Participant.id)).filter(col(Participant.withdrawn_at).is_(None)),
        ).where(Participant.study_id == study.id)
    ).one()
    return StudyPublic(
        slug=study.slug,
        name=study.name,
        protocol_version=study.active_protocol_version,
        created_at=study.created_at,
        participants=total,
        active_participants=active,
    )
