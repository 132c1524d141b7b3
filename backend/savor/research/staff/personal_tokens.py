"""Tokens a signed-in person makes for her scripts: her scopes or fewer, always expiring."""

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from savor.errors import AppError
from savor.research.access import parse_scopes
from savor.research.models import ResearchToken
from savor.research.staff import service as staff_service
from savor.research.staff.models import PersonalTokenPublic, StaffAccount
from savor.research.staff.roles import scopes_of
from savor.studies.models import Study
from savor.tokens import RESEARCH_PREFIX, new_token


def create(
    *,
    session: Session,
    account: StaffAccount,
    study: Study,
    role: str,
    label: str,
    scopes: list[str] | None,
    days: int,
    now: datetime,
) -> tuple[ResearchToken, str]:
    """A new token of hers for this study; the caller commits and shows it once."""
    allowed = scopes_of(role)
    try:
        asked = {s.value for s in parse_scopes(scopes)} if scopes is not None else set(allowed)
    except ValueError as exc:
        raise AppError(422, "unknown_scope", str(exc).capitalize() + ".") from exc
    beyond = sorted(asked - allowed)
    if beyond:
        raise AppError(
            403,
            "beyond_role",
            f"Your role '{role}' does not have {', '.join(beyond)}; a token of yours can "
            "only do what you can.",
        )
    if not asked:
        raise AppError(422, "no_scopes", "A research token needs at least one scope.")
    token, token_hash = new_token(RESEARCH_PREFIX)
    row = ResearchToken(
        study_id=study.id,
        label=staff_service.plain_text(label, "label"),
        token_hash=token_hash,
        scopes=" ".join(sorted(asked)),
        created_at=now,
        staff_id=account.id,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    return row, token


def public(row: ResearchToken, token: str | None = None) -> PersonalTokenPublic:
    return PersonalTokenPublic(
        id=row.id,
        label=row.label,
        scopes=row.scopes.split(),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        token=token,
    )


def listed(*, session: Session, study: Study, staff_id: uuid.UUID | None) -> list[ResearchToken]:
    """Her tokens of this study, or (staff_id None, for an admin) every token of it."""
    query = select(ResearchToken).where(ResearchToken.study_id == study.id)
    if staff_id is not None:
        query = query.where(ResearchToken.staff_id == staff_id)
    return list(session.exec(query.order_by(col(ResearchToken.created_at))))


def find(*, session: Session, study: Study, token_id: uuid.UUID) -> ResearchToken:
    row = session.get(ResearchToken, token_id)
    if row is None or row.study_id != study.id:
        raise AppError(404, "no_token", "This study has no token with this id.")
    return row


def not_yours() -> AppError:
    return AppError(403, "not_your_token", "Only its maker or an admin of the study revokes it.")
