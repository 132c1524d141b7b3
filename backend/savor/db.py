"""Database engine and the per-request session; SQLite tuned for durability, or PostgreSQL."""

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 10_000
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
    return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)


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


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
