"""Database engine and the per-request session; SQLite tuned for durability, or PostgreSQL."""

import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
# libpq waits for ever on a server that accepts and never answers; a phone gives up far sooner.
POSTGRES_CONNECT_TIMEOUT_S = 5
# Sync routes and dependencies run on AnyIO's 40 worker threads and each holds a connection
# for its request. A pool smaller than that deadlocks under load: every thread waits for a
# connection while the requests holding them wait for a thread to close their sessions.
POOL_SIZE = 5
POOL_OVERFLOW = 50


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; synchronous=FULL makes every
    # acknowledged commit survive a kill -9 or power loss, which NORMAL in WAL mode does not.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # pool_pre_ping tests each pooled connection before use, so after an outage the first
    # request reconnects instead of failing on a connection the database has long dropped.
    query = make_url(url).query
    timeout = {} if "connect_timeout" in query else {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
    return create_engine(
        url,
        connect_args=timeout,
        pool_pre_ping=True,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
    )


def _sqlite_autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
    # Left to itself, Python's sqlite3 begins transactions lazily and so breaks SAVEPOINT;
    # the writer takes over BEGIN itself (see _begin_immediate).
    dbapi_connection.isolation_level = None


def _begin_immediate(connection: Any) -> None:
    # Take the write lock up front: a transaction that first reads and later writes could
    # otherwise fail at once with SQLITE_BUSY when another commit slipped in between.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_writer_engine(url: str) -> Engine:
    """The engine of the group-commit writer: real savepoints, and the lock taken at BEGIN."""
    engine = make_engine(url)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_autocommit_driver)
        event.listen(engine, "begin", _begin_immediate)
    return engine


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session, made on the event loop (it connects only when first used) and
    closed on a worker thread: a plain generator cost a thread hand-off for each of the two."""
    session = Session(request.app.state.engine)
    try:
        yield session
    finally:
        # As FastAPI closes a sync generator's: shielded, so a request cancelled mid-way still
        # returns its connection, and with a limiter of its own, since a close that waited for
        # a free worker thread while every worker waits for a pooled connection would deadlock.
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(close_session, session, limiter=anyio.CapacityLimiter(1))


def close_session(session: Session) -> None:
    """Close, forgiving a connection the database dropped: its transaction died with it."""
    try:
        session.close()
    except DBAPIError as error:
        # The session closes after the answer has gone out; raising here would reset her
        # connection to a request that succeeded. The pool already threw the connection away.
        if not error.connection_invalidated:
            raise
        log.warning("database connection lost after a request: %s", str(error.orig))


SessionDep = Annotated[Session, Depends(get_session)]
