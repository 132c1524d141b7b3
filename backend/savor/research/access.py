"""A research token's access: the study it belongs to and the scopes it carries."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials
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


# A token made without naming scopes can only read: changing a protocol, deleting her data or
# handling alerts is asked for by name, and so is free text, which can identify her.
DEFAULT_SCOPES = [
    TokenScope.STUDIES_READ,
    TokenScope.PARTICIPANTS_READ,
    TokenScope.EXPORT_READ,
    TokenScope.AUDIT_READ,
]
# What an operator's own token may do: everything but read free text.
ALL_BUT_FREE_TEXT = [s for s in TokenScope if s is not TokenScope.EXPORT_FREE_TEXT]


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


class Refusal(AppError):
    """A research call turned away, with the token and its study when the token is known."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        token: ResearchToken | None = None,
        study: Study | None = None,
    ) -> None:
        headers = {"WWW-Authenticate": "Bearer"} if status_code == 401 else None
        super().__init__(status_code, code, message, headers=headers)
        self.token = token
        self.study = study


# Told of every refusal (with the study slug in the path, if any), so the research service can
# audit it; access sits below that service and does not call it itself.
RefusalHook = Callable[[Request, Refusal, str | None], None]


def _token_and_study(session: Session, token_hash: str) -> tuple[ResearchToken, Study] | None:
    found = session.exec(
        select(ResearchToken, Study).join(Study).where(ResearchToken.token_hash == token_hash)
    ).first()
    return None if found is None else (found[0], found[1])


def _unknown() -> Refusal:
    return Refusal(401, "invalid_token", "This research token is not known.")


async def research_access(
    request: Request, session: Session, credentials: HTTPAuthorizationCredentials | None
) -> ResearchAccess:
    async def lookup(token_hash: str) -> tuple[ResearchToken, Study] | None:
        return await run_in_threadpool(_token_and_study, session, token_hash)

    _, (research_token, study) = await tokens.sign_in(
        request, credentials, who="research", lookup=lookup, unknown=_unknown
    )
    if research_token.revoked_at is not None:
        raise Refusal(
            401,
            "token_revoked",
            "This research token was revoked. Ask for a new one.",
            token=research_token,
            study=study,
        )
    return ResearchAccess(token=research_token, study=study)


def check_scope(access: ResearchAccess, scope: TokenScope, slug: str | None) -> ResearchAccess:
    if slug is not None and slug != access.study.slug:
        raise Refusal(
            403,
            "wrong_study",
            f"This token does not give access to study '{slug}'.",
            token=access.token,
            study=access.study,
        )
    if scope.value not in access.token.scopes.split():
        raise Refusal(
            403,
            "missing_scope",
            f"This token lacks the '{scope.value}' scope.",
            token=access.token,
            study=access.study,
        )
    return access


def require_scope(
    scope: TokenScope, *, on_refusal: RefusalHook | None = None
) -> Callable[..., Awaitable[ResearchAccess]]:
    """Dependency: a research token with `scope`, for the study named in the path if any."""

    async def dependency(
        request: Request,
        session: SessionDep,
        credentials: tokens.ResearchBearerDep,
        slug: str | None = None,
    ) -> ResearchAccess:
        try:
            return check_scope(await research_access(request, session, credentials), scope, slug)
        except Refusal as refusal:
            if on_refusal is not None:
                await run_in_threadpool(on_refusal, request, refusal, slug)
            raise

    return dependency
