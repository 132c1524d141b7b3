"""A research token's access: the study it belongs to and the scopes it carries."""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from savor import tokens
from savor.db import SessionDep
from savor.errors import AppError
from savor.research.models import ResearchToken
from savor.studies.models import Study


class TokenScope(StrEnum):
    STUDIES_READ = "studies:read"
    PROTOCOL_WRITE = "protocol:write"
    CODES_WRITE = "codes:write"
    PARTICIPANTS_READ = "participants:read"
    PARTICIPANTS_DELETE = "participants:delete"
    EXPORT_READ = "export:read"
    EXPORT_FREE_TEXT = "export:free_text"
    AUDIT_READ = "audit:read"
    ALERTS_MANAGE = "alerts:manage"


# Free text can identify her, so it is never granted unless asked for by name.
DEFAULT_SCOPES = [s for s in TokenScope if s is not TokenScope.EXPORT_FREE_TEXT]


def parse_scopes(raw: list[str]) -> list[TokenScope]:
    values = [part for item in raw for part in item.replace(",", " ").split()]
    unknown = [v for v in values if v not in TokenScope.__members__.values()]
    if unknown:
        known = ", ".join(s.value for s in TokenScope)
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}; known scopes: {known}")
    return [TokenScope(v) for v in dict.fromkeys(values)]


@dataclass(frozen=True)
class ResearchAccess:
    token: ResearchToken
    study: Study


def _token_and_study(session: Session, token_hash: str) -> tuple[ResearchToken, Study] | None:
    found = session.exec(
        select(ResearchToken, Study).join(Study).where(ResearchToken.token_hash == token_hash)
    ).first()
    return None if found is None else (found[0], found[1])


def _unknown() -> AppError:
    return AppError(401, "invalid_token", "This research token is not known.")


async def research_access(
    request: Request, session: SessionDep, credentials: tokens.ResearchBearerDep
) -> ResearchAccess:
    async def lookup(token_hash: str) -> tuple[ResearchToken, Study] | None:
        return await run_in_threadpool(_token_and_study, session, token_hash)

    _, (research_token, study) = await tokens.sign_in(
        request, credentials, who="research", lookup=lookup, unknown=_unknown
    )
    if research_token.revoked_at is not None:
        raise AppError(401, "token_revoked", "This research token was revoked. Ask for a new one.")
    return ResearchAccess(token=research_token, study=study)


def require_scope(scope: TokenScope) -> Callable[..., ResearchAccess]:
    """Dependency: a research token with `scope`, for the study named in the path if any."""

    def dependency(
        access: Annotated[ResearchAccess, Depends(research_access)], slug: str | None = None
    ) -> ResearchAccess:
        if slug is not None and slug != access.study.slug:
            raise AppError(
                403, "wrong_study", f"This token does not give access to study '{slug}'."
            )
        if scope.value not in access.token.scopes.split():
            raise AppError(403, "missing_scope", f"This token lacks the '{scope.value}' scope.")
        return access

    return dependency
