"""One writer thread that commits phones' records in groups: one durable commit, many records.

SQLite allows a single writer, and every durable commit costs an fsync. Requests hand their
write to this thread and wait; it runs every waiting write in one transaction, commits once,
then answers them all. A 2xx still means the record is on disk: nothing answers before the
commit returns.

Two kinds of write share the queue. A plain write is a function of the session and runs in
its own savepoint, so one failure touches no other. A batch write hands all waiting items of
one kind to a single handler that stores them with a few set-based statements; it answers
each item on its own (a result or an error), and if it raises, its items are run again one by
one so that a single bad item cannot sink the rest (`savor.storing.sets`).

It is the check-in storer too unless `main` picks the writer process
(`savor.storing.process`), which stores sets the same way on another core.
"""

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from savor.storing import sets
from savor.storing.sets import BatchWrite, Waiter, alone, as_a_set, set_outcome, settle_all

log = logging.getLogger(__name__)

T = TypeVar("T")
Write = Callable[[Session], T]
Job = tuple[BatchWrite | None, Any, Waiter]
MAX_BATCH = 256


class WriteQueue:
    """The writer thread: plain writes (`submit`) and sets (`submit_item`, `store`), each
    group of them in one commit."""

    def __init__(self, engine: Engine, *, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        self.max_batch = max_batch
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
            return future.result(timeout=sets.WAIT_SECONDS)
        except FutureTimeoutError:
            raise sets.too_slow() from None

    async def store(self, handler: BatchWrite, item: Any) -> Any:
        """`submit_item` for async routes: the event loop waits without holding a thread."""
        future = asyncio.get_running_loop().create_future()
        self._enqueue((handler, item, future))
        return await sets.outcome(future)

    def close(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._jobs.put(None)
                self._thread.join(timeout=sets.WAIT_SECONDS)
                self._thread = None

    def _enqueue(self, job: Job) -> None:
        self.start()
        self._jobs.put(job)

    def start(self) -> None:
        """Start the thread, if it is not running; the first write starts it as well."""
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
                        results = [alone(session, _run_write, write) for write in items]
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
            set_outcome(future, result)
    for loop, settled in by_loop.items():
        # A wake-up is a system call; a batch answers its requests with one.
        try:
            loop.call_soon_threadsafe(settle_all, settled)
        except RuntimeError:
            log.warning("%d writes were stored for an event loop that has closed", len(settled))


def _run_write(session: Session, items: Sequence[Write]) -> Sequence[Any]:
    return [items[0](session)]
