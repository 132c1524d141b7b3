"""Her sign-in by token: who holds it, or why she may not go on."""

from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from savor import tokens
from savor.db import SessionDep
from savor.errors import AppError
from savor.studies.models import Participant, ParticipantToken


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


async def current_participant(
    request: Request, session: SessionDep, credentials: tokens.BearerDep
) -> Participant:
    """Her row, read from the database (the check-in reads a snapshot; see ema/snapshots.py)."""

    async def lookup(token_hash: str) -> Participant | None:
        return await run_in_threadpool(token_holder, session, token_hash)

    _, participant = await tokens.sign_in(
        request, credentials, who="app", lookup=lookup, unknown=signed_out
    )
    return participant


CurrentParticipant = Annotated[Participant, Depends(current_participant)]


async def active_participant(participant: CurrentParticipant) -> Participant:
    # async: a check of the row already read, not worth a worker-thread hand-off
    if participant.withdrawn_at is not None:
        raise withdrawn()
    return participant


ActiveParticipant = Annotated[Participant, Depends(active_participant)]
