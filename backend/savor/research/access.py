"""A research token's access: the study it belongs to and the scopes it carries; or a
person's, by her session cookie, whose role in the study gives the scopes."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from savor import tokens
from savor.clock import utcnow
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


STAFF_SESSION_COOKIE = "savor_session"
_staff_cookie = APIKeyCookie(
    name=STAFF_SESSION_COOKIE,
    auto_error=False,
    scheme_name="staffSession",
    description=(
        "Research API (/api/research/v1), for a person of the study team: the session cookie "
        "set by POST /api/research/v1/session. Her roles give the scopes; a call that changes "
        "something also sends the `X-CSRF-Token` header returned at sign-in."
    ),
)
StaffCookieDep = Annotated[str | None, Depends(_staff_cookie)]


@dataclass(frozen=True)
class StaffActor:
    """A person of the study team, and the role she holds in the study at hand."""

    id: uuid.UUID
    email: str
    role: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class ResearchAccess:
    """Who calls: a token, a person by her session, or a person's own token (both)."""

    study: Study
    token: ResearchToken | None = None
    staff: StaffActor | None = None
    # A person without a study in the path: every study her roles let her use the route on.
    studies: tuple["ResearchAccess", ...] = ()

    @property
    def scopes(self) -> frozenset[str]:
        held = frozenset(self.token.scopes.split()) if self.token is not None else None
        if self.staff is None:
            return held or frozenset()
        # A person's token never does more than her role does today.
        return self.staff.scopes if held is None else held & self.staff.scopes

    @property
    def actor(self) -> str:
        """How the audit names the caller: the person behind a token is named with it."""
        person = f"staff:{self.staff.email}" if self.staff is not None else None
        if self.token is None:
            return person or "cli"
        label = f"token:{self.token.label or self.token.id}"
        return f"{label} ({person})" if person else label


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
        actor: str | None = None,
    ) -> None:
        headers = {"WWW-Authenticate": "Bearer"} if status_code == 401 else None
        super().__init__(status_code, code, message, headers=headers)
        self.token = token
        self.study = study
        self.actor = actor


# Told of every refusal (with the study slug in the path, if any), so the research service can
# audit it; access sits below that service and does not call it itself.
RefusalHook = Callable[[Request, Refusal, str | None], None]

# How the staff package (research/staff, which builds on this module) signs in a person: by
# her session cookie, for a scope and the study in the path if any; and behind a token she
# made herself.
SessionSignIn = Callable[[Request, Session, str, "TokenScope", str | None], ResearchAccess]
TokenOwner = Callable[[Session, ResearchAccess], ResearchAccess]


@dataclass(frozen=True)
class StaffSignIn:
    by_session: SessionSignIn
    behind_token: TokenOwner


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
    if research_token.expires_at is not None and research_token.expires_at <= utcnow():
        raise Refusal(
            401,
            "token_expired",
            "This research token has expired. Sign in and make a new one.",
            token=research_token,
            study=study,
        )
    return ResearchAccess(token=research_token, study=study)


def check_scope(access: ResearchAccess, scope: TokenScope, slug: str | None) -> ResearchAccess:
    caller = "This token" if access.token is not None else "Your session"
    actor = access.actor if access.staff is not None else None
    if slug is not None and slug != access.study.slug:
        raise Refusal(
            403,
            "wrong_study",
            f"{caller} does not give access to study '{slug}'.",
            token=access.token,
            study=access.study,
            actor=actor,
        )
    if scope.value not in access.scopes:
        if access.token is None and access.staff is not None:
            message = (
                f"Your role '{access.staff.role}' in this study does not allow this: it "
                f"needs the '{scope.value}' scope. Ask an admin of the study."
            )
        else:
            message = f"This token lacks the '{scope.value}' scope."
        raise Refusal(
            403, "missing_scope", message, token=access.token, study=access.study, actor=actor
        )
    return access


async def _signed_in(
    request: Request,
    session: Session,
    credentials: HTTPAuthorizationCredentials | None,
    cookie: str | None,
    scope: TokenScope,
    slug: str | None,
    staff: StaffSignIn | None,
) -> ResearchAccess:
    if staff is not None and credentials is None and cookie is not None:
        return await run_in_threadpool(staff.by_session, request, session, cookie, scope, slug)
    access = await research_access(request, session, credentials)
    if staff is not None and access.token is not None and access.token.staff_id is not None:
        return await run_in_threadpool(staff.behind_token, session, access)
    return access


def require_scope(
    scope: TokenScope, *, on_refusal: RefusalHook | None = None, staff: StaffSignIn | None = None
) -> Callable[..., Awaitable[ResearchAccess]]:
    """Dependency: a research token with `scope`, for the study named in the path if any.

    With `staff`, a person's session cookie does too (a bearer token wins when both are sent),
    and a token a person made acts only within her role of today.
    """

    async def dependency(
        request: Request,
        session: SessionDep,
        credentials: tokens.ResearchBearerDep,
        cookie: StaffCookieDep,
        slug: str | None = None,
    ) -> ResearchAccess:
        try:
            access = await _signed_in(request, session, credentials, cookie, scope, slug, staff)
            return check_scope(access, scope, slug)
        except Refusal as refusal:
            if on_refusal is not None:
                await run_in_threadpool(on_refusal, request, refusal, slug)
            raise

    return dependency
