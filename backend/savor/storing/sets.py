"""What the thread storer and the process storer share: a set stored as one, each waiter
answered with its own outcome, and the 503 for a record that could not be saved."""

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

from sqlmodel import Session

from savor.errors import FOR_PHONE, RETRY_AFTER_SECONDS, AppError

# Answers items in order: each a result, or the exception that item met.
BatchWrite = Callable[[Session, Sequence[Any]], Sequence[Any]]
Waiter = Future | asyncio.Future
WAIT_SECONDS = 30.0  # read when waiting, so a test may shorten it


async def outcome(future: asyncio.Future) -> Any:
    """The stored item's result (or its error), or a 503 when it waits too long."""
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            return await future
    except TimeoutError:
        raise too_slow() from None


def settle_all(outcomes: list[tuple[asyncio.Future, object]]) -> None:
    """Each waiter its result or error; one that gave up waiting is passed over."""
    for future, result in outcomes:
        if not future.done():  # a request that gave up waiting has cancelled its future
            set_outcome(future, result)


def set_outcome(future: Waiter, result: object) -> None:
    """An exception is raised to the waiter; anything else is its result."""
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)


def not_saved(reason: str) -> AppError:
    """The 503 for a record the server could not save: not acknowledged, so the phone keeps
    it and sends it again later."""
    return AppError(
        503,
        "database_busy",
        f"{reason} {FOR_PHONE}",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def too_slow() -> AppError:
    return not_saved("The server is too busy to save this right now.")


def alone(session: Session, handler: BatchWrite, item: Any) -> Any:
    """One item in its own savepoint: its result, or the error it met (its writes undone)."""
    savepoint = session.begin_nested()
    try:
        (result,) = handler(session, [item])
        if isinstance(result, BaseException):
            savepoint.rollback()
        else:
            savepoint.commit()
        return result
    except Exception as error:
        savepoint.rollback()
        return error


def as_a_set(session: Session, handler: BatchWrite, items: list[Any]) -> list[Any]:
    """All items by one call of `handler` in a savepoint; should the set fail as a whole,
    each item again on its own, so that one bad item cannot sink the rest."""
    savepoint = session.begin_nested()
    try:
        results = list(handler(session, items))
        savepoint.commit()
        return results
    except Exception:
        savepoint.rollback()
        # Something in the set failed as a whole (a row another process stored meanwhile,
        # say): each item again on its own, reading afresh, finds out which and keeps the rest.
        return [alone(session, handler, item) for item in items]
