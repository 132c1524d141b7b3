"""One writer thread that commits phones' records in groups: one durable commit, many records.

SQLite allows a single writer, and every durable commit costs an fsync. Requests hand their
write to this thread and wait; it runs every waiting write in one transaction, each inside
its own savepoint so one failure touches no other, commits once, then answers them all. A
2xx still means the record is on disk: nothing answers before the commit returns.
"""

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

log = logging.getLogger(__name__)

T = TypeVar("T")
Write = Callable[[Session], T]
MAX_BATCH = 256
WAIT_SECONDS = 30.0


class WriteQueue:
    def __init__(self, engine: Engine, *, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._jobs: queue.Queue[tuple[Write, Future] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0

    def submit(self, write: Write[T]) -> T:
        """Run `write(session)` in the next group commit and return its result (or raise)."""
        self._ensure_started()
        future: Future[T] = Future()
        self._jobs.put((write, future))
        return future.result(timeout=WAIT_SECONDS)

    def close(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._jobs.put(None)
                self._thread.join(timeout=WAIT_SECONDS)
                self._thread = None

    def _ensure_started(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="savor-writer", daemon=True)
                self._thread.start()

    def _take_batch(self) -> list[tuple[Write, Future]] | None:
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

    def _commit(self, batch: list[tuple[Write, Future]]) -> None:
        outcomes: list[tuple[Future, object, BaseException | None]] = []
        try:
            # Objects handed back stay readable after the commit closes this session.
            with Session(self.engine, expire_on_commit=False) as session:
                for write, future in batch:
                    savepoint = session.begin_nested()
                    try:
                        result = write(session)
                        savepoint.commit()
                        outcomes.append((future, result, None))
                    except Exception as error:
                        savepoint.rollback()
                        outcomes.append((future, None, error))
                session.commit()
        except Exception as error:
            log.exception("group commit of %d writes failed", len(batch))
            for _, future in batch:
                future.set_exception(error)
            return
        self.batches += 1
        for future, result, error in outcomes:
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
