"""Research tokens, the audit trail, and study overviews for researchers."""

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from savor.errors import AppError
from savor.research.access import Refusal, TokenScope
from savor.research.models import AuditEvent, ResearchToken, StudyPublic
from savor.studies.models import Participant, Study
from savor.tokens import RESEARCH_PREFIX, hash_token, new_token

log = logging.getLogger(__name__)
REFUSED = "access.refused"
UNKNOWN_TOKEN = "unknown-token"
# Another study's auditors learn that a token tried, never which study's or whose it was.
FOREIGN_TOKEN = "token-of-another-study"


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
    actor: str | None = None,
) -> None:
    """Append an audit event in the caller's transaction, committed with it."""
    actor = actor or (f"token:{token.label or token.id}" if token else "cli")
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


def record_refusal(
    *,
    session: Session,
    refusal: Refusal,
    slug: str | None,
    path: str,
    method: str,
    now: datetime,
) -> None:
    """Audit a refused research call on each study it concerns, and commit at once.

    A known token's refusal goes on its own study; a call naming another study that exists is
    recorded there too. With no study to record it on, a log line says what was refused.
    """
    detail = {"reason": refusal.code, "path": path, "method": method}
    named = None
    if slug is not None and (refusal.study is None or slug != refusal.study.slug):
        named = session.exec(select(Study).where(Study.slug == slug)).first()
    if refusal.study is not None:
        record(
            session=session,
            study=refusal.study,
            token=refusal.token,
            action=REFUSED,
            now=now,
            detail=detail,
            actor=refusal.actor,
        )
    if named is not None:
        actor = refusal.actor or (UNKNOWN_TOKEN if refusal.token is None else FOREIGN_TOKEN)
        record(session=session, study=named, action=REFUSED, now=now, detail=detail, actor=actor)
    if refusal.study is None and named is None:
        log.warning("research call refused (%s): %s %s", refusal.code, method, path)
        return
    session.commit()


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
