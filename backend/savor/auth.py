"""Bearer tokens for participants and researchers: issued once, stored hashed, revocable."""

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session, select

from savor.clock import utcnow
from savor.db import SessionDep
from savor.deps import client_key
from savor.errors import AppError
from savor.ratelimit import guess_keys
from savor.studies.models import Participant, ParticipantToken, ResearchToken, Study

PARTICIPANT_PREFIX = "svp_"
RESEARCH_PREFIX = "svr_"
STAFF_SESSION_COOKIE = "savor_session"
GUESSED_PREFIX_CHARS = 8


class Scope(StrEnum):
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
DEFAULT_SCOPES = [Scope.STUDIES_READ, Scope.PARTICIPANTS_READ, Scope.EXPORT_READ, Scope.AUDIT_READ]
# What an operator's own token may do: everything but read free text.
ALL_BUT_FREE_TEXT = [s for s in Scope if s is not Scope.EXPORT_FREE_TEXT]


def new_token(prefix: str) -> tuple[str, str]:
    """A fresh secret token and the hash that is all the database keeps of it."""
    token = prefix + secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    # 256 random bits need no key or slow hash: nobody can guess back from the digest.
    # Tokens are looked up by this digest, never compared themselves, so how long a lookup
    # takes tells an attacker at most something about a digest, which says nothing of any
    # token: the comparison is as good as constant-time.
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scopes(raw: list[str]) -> list[Scope]:
    values = [part for item in raw for part in item.replace(",", " ").split()]
    unknown = [v for v in values if v not in Scope.__members__.values()]
    if unknown:
        known = ", ".join(s.value for s in Scope)
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}; known scopes: {known}")
    return [Scope(v) for v in dict.fromkeys(values)]


# Two named schemes, so the OpenAPI document tells which token each API takes.
_participant_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="participant",
    description="Participant API (/api/v1): the `svp_…` token returned by POST /api/v1/enroll.",
)
_research_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="research",
    description=(
        "Research API (/api/research/v1): an `svr_…` token from `savor token create`. It "
        "belongs to one study and carries scopes; each route's description names the one "
        "it needs."
    ),
)
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
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_participant_bearer)]
ResearchBearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_research_bearer)]
StaffCookieDep = Annotated[str | None, Depends(_staff_cookie)]


def require_bearer(credentials: HTTPAuthorizationCredentials | None, who: str) -> str:
    if credentials is None:
        raise AppError(
            401,
            "not_authenticated",
            f"Send your {who} token in the header 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return credentials.credentials


def guessed_prefix(token: str) -> str | None:
    """The start of a guessed token that failures are also counted under, across addresses."""
    for prefix in (PARTICIPANT_PREFIX, RESEARCH_PREFIX):
        if token.startswith(prefix):
            return token[: len(prefix) + GUESSED_PREFIX_CHARS]
    return None  # not even shaped like a token: it can never match one


def refuse_unknown_token(request: Request, token: str) -> None:
    """Count an unknown token, or 429 when its address or its prefix is already locked out.

    Called only once the token was looked up and not found: a valid token is never refused,
    even from an address that a guesser shares with her (every phone behind one proxy).
    """
    limiter = request.app.state.token_limiter
    keys = guess_keys(client_key(request), guessed_prefix(token))
    now = utcnow()
    limiter.refuse_if_locked(keys, now=now, what="tokens")
    limiter.record_failure(keys, now=now)


def current_participant(
    request: Request, session: SessionDep, credentials: BearerDep
) -> Participant:
    token = require_bearer(credentials, "app")
    row = token_holder(session, hash_token(token))
    if row is None:
        refuse_unknown_token(request, token)
        raise signed_out()
    return row


def token_holder(session: Session, token_hash: str) -> Participant | None:
    """Who holds this participant token; None if nobody does or it was revoked."""
    return session.exec(
        select(Participant)
        .join(ParticipantToken)
        .where(ParticipantToken.token_hash == token_hash)
        .where(ParticipantToken.revoked_at.is_(None))  # type: ignore[union-attr]
    ).first()


def signed_out() -> AppError:
    return AppError(
        401,
        "invalid_token",
        "This app is no longer signed in. Please enroll again with a code from the study team.",
        headers={"WWW-Authenticate": "Bearer"},
    )


def withdrawn() -> AppError:
    return AppError(
        403,
        "withdrawn",
        "You have left the study, so nothing more is sent to it. Thank you for taking part.",
    )


CurrentParticipant = Annotated[Participant, Depends(current_participant)]


def active_participant(participant: CurrentParticipant) -> Participant:
    if participant.withdrawn_at is not None:
        raise withdrawn()
    return participant


ActiveParticipant = Annotated[Participant, Depends(active_participant)]


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
    studies: tuple[Study, ...] = ()

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
        headers: dict[str, str] | None = None,
    ) -> None:
        if headers is None and status_code == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        super().__init__(status_code, code, message, headers=headers)
        self.token = token
        self.study = study
        self.actor = actor


# Told of every refusal (with the study slug in the path, if any), so the research domain can
# audit it; auth sits below that domain and cannot call it itself.
RefusalHook = Callable[[Request, Refusal, str | None], None]


# How the research domain signs in a person of the study team (it sits above auth): by her
# session cookie, for a scope and the study in the path if any; and behind a token she made.
SessionSignIn = Callable[[Request, Session, str, Scope, str | None], ResearchAccess]
TokenOwner = Callable[[Session, ResearchAccess], ResearchAccess]


@dataclass(frozen=True)
class StaffSignIn:
    by_session: SessionSignIn
    behind_token: TokenOwner


def research_access(request: Request, session: Session, token: str) -> ResearchAccess:
    found = session.exec(
        select(ResearchToken, Study)
        .join(Study)
        .where(ResearchToken.token_hash == hash_token(token))
    ).first()
    if found is None:
        refuse_unknown_token(request, token)
        raise Refusal(401, "invalid_token", "This research token is not known.")
    research_token, study = found
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


def check_scope(access: ResearchAccess, scope: Scope, slug: str | None) -> ResearchAccess:
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


def require_scope(
    scope: Scope, *, on_refusal: RefusalHook | None = None, staff: StaffSignIn | None = None
) -> Callable[..., ResearchAccess]:
    """Dependency: a research token with `scope`, for the study named in the path if any.

    With `staff`, a person's session cookie does too (a bearer token wins when both are sent),
    and a token a person made acts only within her role of today.
    """

    def dependency(
        request: Request,
        session: SessionDep,
        credentials: ResearchBearerDep,
        cookie: StaffCookieDep,
        slug: str | None = None,
    ) -> ResearchAccess:
        try:
            if staff is not None and credentials is None and cookie is not None:
                access = staff.by_session(request, session, cookie, scope, slug)
            else:
                access = research_access(request, session, require_bearer(credentials, "research"))
                if staff is not None and access.token and access.token.staff_id is not None:
                    access = staff.behind_token(session, access)
            return check_scope(access, scope, slug)
        except Refusal as refusal:
            if on_refusal is not None:
                on_refusal(request, refusal, slug)
            raise

    return dependency
