"""One writer thread that commits phones' records in groups: one durable commit, many records.

SQLite allows a single writer, and every durable commit costs an fsync. Requests hand their
write to this thread and wait; it runs every waiting write in one transaction, commits once,
then answers them all. A 2xx still means the record is on disk: nothing answers before the
commit returns.

Two kinds of write share the queue. A plain write is a function of the session and runs in
its own savepoint, so one failure touches no other. A batch write hands all waiting items of
one kind to a single handler that stores them with a few set-based statements; it answers
each item on its own (a result or an error), and if it raises, its items are run again one by
one so that a single bad item cannot sink the rest.

Given a `WriterProcess`, batch writes from async routes (check-ins) are stored there instead,
in the same way, on another core (see `savor.storing.process`); plain writes stay here.
"""

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from savor.errors import FOR_PHONE, RETRY_AFTER_SECONDS, AppError

if TYPE_CHECKING:
    from savor.storing.process import WriterProcess

log = logging.getLogger(__name__)

T = TypeVar("T")
P = TypeVar("P")
Write = Callable[[Session], T]
# Answers items in order: each a result, or the exception that item met.
BatchWrite = Callable[[Session, Sequence[Any]], Sequence[Any]]
Waiter = Future | asyncio.Future
Job = tuple[BatchWrite | None, Any, Waiter]
MAX_BATCH = 256
WAIT_SECONDS = 30.0


class WriteQueue:
    def __init__(
        self,
        engine: Engine,
        *,
        max_batch: int = MAX_BATCH,
        process: "WriterProcess | None" = None,
    ) -> None:
        self.engine = engine
        self.max_batch = max_batch
        # Where async batch writes are stored when given (see savor.storing.process).
        self.process = process
        self._jobs: queue.Queue[Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0

    def submit(self, write: Write[T]) -> T:
        """Run `write(session)` in the next group commit and return its result (or raise)."""
        return self.submit_item(None, write)

    def submit_item(self, handler: BatchWrite | None, item: Any) -> Any:
        """Store `item` with `handler` in the next group commit, blocking until it is on disk."""
        future: Future = Future()
        self._enqueue((handler, item, future))
        try:
            return future.result(timeout=WAIT_SECONDS)
        except FutureTimeoutError:
            raise _too_slow() from None

    async def store(self, handler: BatchWrite, item: Any) -> Any:
        """`submit_item` for async routes: the event loop waits without holding a thread."""
        if self.process is not None:
            future = self.process.store(handler, item)
        else:
            future = asyncio.get_running_loop().create_future()
            self._enqueue((handler, item, future))
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                return await future
        except TimeoutError:
            raise _too_slow() from None

    def close(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._jobs.put(None)
                self._thread.join(timeout=WAIT_SECONDS)
                self._thread = None
        if self.process is not None:
            self.process.close()

    def _enqueue(self, job: Job) -> None:
        self._ensure_started()
        self._jobs.put(job)

    def _ensure_started(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="savor-writer", daemon=True)
                self._thread.start()

    def _take_batch(self) -> list[Job] | None:
        first = self._jobs.get()
        if first is None:
            return None
        batch = [first]
        while len(batch) < self.max_batch:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is None:
                self._jobs.put(None)  # finish this batch, then stop
                break
            batch.append(job)
        return batch

    def _run(self) -> None:
        while (batch := self._take_batch()) is not None:
            self._commit(batch)

    def _commit(self, batch: list[Job]) -> None:
        groups: dict[BatchWrite | None, list[Job]] = {}
        for job in batch:
            groups.setdefault(job[0], []).append(job)
        outcomes: list[tuple[Waiter, object]] = []
        try:
            # Objects handed back stay readable after the commit closes this session.
            with Session(self.engine, expire_on_commit=False) as session:
                for handler, jobs in groups.items():
                    items = [item for _, item, _ in jobs]
                    if handler is None:
                        results = [_alone(session, _run_write, write) for write in items]
                    else:
                        results = as_a_set(session, handler, items)
                    outcomes += [
                        (job[2], result) for job, result in zip(jobs, results, strict=True)
                    ]
                session.commit()
        except Exception as error:
            log.exception("group commit of %d writes failed", len(batch))
            _answer([(future, error) for _, _, future in batch])
            return
        self.batches += 1
        _answer(outcomes)


def _answer(outcomes: list[tuple[Waiter, object]]) -> None:
    """Hand each waiter its result; each event loop is woken once for all of its own."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future, object]]] = {}
    for future, result in outcomes:
        if isinstance(future, asyncio.Future):
            by_loop.setdefault(future.get_loop(), []).append((future, result))
        else:
            _settle(future, result)
    for loop, settled in by_loop.items():
        # A wake-up is a system call; a batch answers its requests with one.
        try:
            loop.call_soon_threadsafe(settle_all, settled)
        except RuntimeError:
            log.warning("%d writes were stored for an event loop that has closed", len(settled))


def settle_all(outcomes: list[tuple[asyncio.Future, object]]) -> None:
    """Each waiter its result or error; one that gave up waiting is passed over."""
    for future, result in outcomes:
        if not future.done():  # a request that gave up waiting has cancelled its future
            _settle(future, result)


def _settle(future: Waiter, result: object) -> None:
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


def _too_slow() -> AppError:
    return not_saved("The server is too busy to save this right now.")


def _run_write(session: Session, items: Sequence[Write]) -> Sequence[Any]:
    return [items[0](session)]


def _alone(session: Session, handler: BatchWrite, item: Any) -> Any:
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
    savepoint = session.begin_nested()
    try:
        results = list(handler(session, items))
        savepoint.commit()
        return results
    except Exception:
        savepoint.rollback()
        # Something in the set failed as a whole (a row another process stored meanwhile,
        # say): each item again on its own, reading afresh, finds out which and keeps the rest.
        return [_alone(session, handler, item) for item in items]
