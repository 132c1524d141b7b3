"""Bearer tokens: issued once, stored hashed, read from the request, guessing held back.

The primitives both sign-ins share: the participant's (studies/signin.py) and the research
team's (research/access.py). This module knows no domain; each sign-in brings its own lookup.
"""

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from savor.clock import utcnow
from savor.deps import client_key
from savor.errors import AppError
from savor.ratelimit import guess_keys

PARTICIPANT_PREFIX = "svp_"
RESEARCH_PREFIX = "svr_"
GUESSED_PREFIX_CHARS = 8

Holder = TypeVar("Holder")


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
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_participant_bearer)]
ResearchBearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_research_bearer)]


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


async def sign_in(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None,
    *,
    who: str,
    lookup: Callable[[str], Awaitable[Holder | None]],
    unknown: Callable[[], AppError],
) -> tuple[str, Holder]:
    """The token's hash and who holds it, found by `lookup`; every sign-in goes through here,
    so a wrong token is counted against the guesser the same way on every route."""
    token = require_bearer(credentials, who)
    token_hash = hash_token(token)
    holder = await lookup(token_hash)
    if holder is None:
        refuse_unknown_token(request, token)
        raise unknown()
    # Whoever composes the app may want to know she is using it (notify's device health).
    if who == "app" and (seen := getattr(request.app.state, "participant_seen", None)):
        seen(holder.id, utcnow())  # type: ignore[attr-defined]
    return token_hash, holder
