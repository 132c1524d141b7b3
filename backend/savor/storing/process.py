"""Check-ins stored by a process of their own, fed straight from the event loop.

A check-in's database work (re-reading what must be exact, inserting its rows, the commit)
costs about as much CPU as the rest of its request. In the server process it competes for the
interpreter lock with the event loop that parses, checks and answers requests, and every hand
over between the two threads waits for the lock. In a process of its own it runs on the other
core.

The event loop keeps one set in flight: items that arrive while the process stores a set wait
together and go as the next set, so sets grow with the load (group commit, as the writer
thread does). A set is written as the pipe takes it and its answer read as it arrives, on
the loop itself (`savor.storing.frames`): no thread waits in between, and no size of set or answer
makes the loop wait or the hand-over fail. A 2xx still means the record is committed.

The process is forked from a small server process that has already imported the storing code
(multiprocessing's "forkserver"), so starting one costs milliseconds and never forks a server
that runs threads. If it dies, the set it held is answered with a 503 (nothing acknowledged:
the phones send it again, and what did commit is then found by its client id) and the next
set starts a new process.
"""

import asyncio
import contextlib
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from savor.errors import AppError
from savor.storing import sets
from savor.storing.child import serve
from savor.storing.frames import FrameReader, framed
from savor.storing.sets import BatchWrite, not_saved, settle_all

log = logging.getLogger(__name__)

# Imported once by the fork server, so every writer process starts with them in memory; the
# server adds the modules of the handlers it will hand over (`preload`).
PRELOAD = ("savor.db", "savor.logs", "savor.storing.child")
MAX_SET = 256
CLOSE_SECONDS = 5  # for the last set to commit when the server stops
READ_BYTES = 256 * 1024
Pending = tuple[Any, Any, asyncio.Future]


def writer_lost() -> AppError:
    return not_saved("The server had to restart its database writer.")


class WriterProcess:
    """A child process storing sets of items for one event loop, one set at a time."""

    def __init__(
        self,
        database_url: str,
        *,
        preload: Sequence[str] = (),
        log_level: str = "INFO",
        log_format: str = "text",
    ) -> None:
        self.database_url = database_url
        self.preload = [*PRELOAD, *preload]
        self.log_level = log_level
        self.log_format = log_format
        self.started = 0  # processes started, restarts included
        self.sets = 0
        self._process: Any = None
        self._pipe: Connection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: deque[Pending] = deque()
        self._in_flight: list[Pending] = []
        self._outgoing: memoryview | None = None  # what the pipe has yet to take of a set
        self._incoming = FrameReader()

    def start(self) -> None:
        """Start the process now rather than on the first check-in (which would wait for it)."""
        if self._process is None or not self._process.is_alive():
            self._discard()
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(self.preload)
            ours, theirs = context.Pipe()
            self._process = context.Process(
                target=serve,
                args=(theirs, self.database_url, self.log_level, self.log_format),
                name="savor-writer",
                daemon=True,
            )
            self._process.start()
            theirs.close()
            # Whatever the event loop does with it, this end never blocks (see `frames`).
            os.set_blocking(ours.fileno(), False)
            self._pipe = ours
            self.started += 1

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    async def store(self, handler: BatchWrite, item: Any) -> Any:
        """Store `item` with `handler` in the next set; returns once it is committed."""
        return await sets.outcome(self._waiter(handler, item))

    def _waiter(self, handler: BatchWrite, item: Any) -> asyncio.Future:
        """A future for `item`'s outcome, stored by `handler` with the next set."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._bind(loop)
        future = loop.create_future()
        self._waiting.append((handler, item, future))
        if not self._in_flight:
            self._send_next()
        return future

    def close(self) -> None:
        self._unbind()
        if self._pipe is not None:
            with contextlib.suppress(OSError):  # already gone
                self._pipe.send(None)
        if self._process is not None:
            self._process.join(timeout=CLOSE_SECONDS)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
        self._discard()

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        # One loop at a time; a second (a new test client on the same app) takes over.
        self._unbind()
        self._loop = loop

    def _unbind(self) -> None:
        if self._in_flight:
            # Its answer would reach no one, or be taken for the next set's: the process goes.
            self._lost()
        elif self._loop is not None and self._pipe is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._pipe.fileno())
        self._loop = None
        self._fail(self._in_flight, writer_lost())
        self._fail(list(self._waiting), writer_lost())
        self._in_flight, self._waiting = [], deque()

    def _send_next(self) -> None:
        while self._waiting and self._in_flight == []:
            handler = self._waiting[0][0]
            taken: list[Pending] = []
            kept: deque[Pending] = deque()
            while self._waiting:
                pending = self._waiting.popleft()
                if pending[0] is handler and len(taken) < MAX_SET and not pending[2].done():
                    taken.append(pending)
                elif not pending[2].done():
                    kept.append(pending)
            self._waiting = kept
            if not taken:
                continue
            try:
                message = framed((handler, [item for _, item, _ in taken]))
            except Exception:  # nothing was written: the process stays in step
                log.exception("a set of %d items could not be pickled", len(taken))
                self._fail(taken, writer_lost())
                continue
            try:
                self.start()
                assert self._pipe is not None and self._loop is not None
                self._loop.add_reader(self._pipe.fileno(), self._on_readable)
            except Exception as error:
                log.exception("could not hand %d items to the writer process", len(taken))
                self._lost()
                self._fail(taken, error if isinstance(error, AppError) else writer_lost())
                continue
            self._in_flight, self._outgoing = taken, memoryview(message)
            self.sets += 1
            if not self._write_some():
                log.error("the writer process ended before it took a set of %d", len(taken))
                self._ended()

    def _write_some(self) -> bool:
        """Write what the pipe takes now, the rest when it is writable; False if it is gone."""
        assert self._pipe is not None and self._loop is not None and self._outgoing is not None
        fd = self._pipe.fileno()
        try:
            written = os.write(fd, self._outgoing)
        except BlockingIOError:
            written = 0
        except OSError:
            return False
        self._outgoing = self._outgoing[written:]
        if len(self._outgoing):
            self._loop.add_writer(fd, self._on_writable)
        else:
            self._outgoing = None
            self._loop.remove_writer(fd)
        return True

    def _on_writable(self) -> None:
        if not self._write_some():
            log.error("the writer process ended while it took a set")
            self._ended()
            self._send_next()

    def _ended(self) -> None:
        done, self._in_flight = self._in_flight, []
        self._lost()
        self._fail(done, writer_lost())

    def _on_readable(self) -> None:
        assert self._pipe is not None and self._loop is not None
        try:
            chunk = os.read(self._pipe.fileno(), READ_BYTES)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            log.error("the writer process ended while it stored %d items", len(self._in_flight))
            self._ended()
            self._send_next()
            return
        self._incoming.feed(chunk)
        status: str
        payload: Any
        try:
            whole, answer = self._incoming.message()
        except Exception as unreadable:  # taken off whole, so the pipe is still in step
            log.exception("an answer from the writer process could not be read")
            whole, answer = True, ("failed", unreadable)
        if not whole:
            return  # the rest is on its way
        status, payload = answer
        self._loop.remove_reader(self._pipe.fileno())
        done, self._in_flight = self._in_flight, []
        try:
            if status == "failed":
                self._fail(done, payload)
            else:
                settle_all(
                    [
                        (future, outcome)
                        for (_, _, future), outcome in zip(done, payload, strict=True)
                    ]
                )
        finally:
            self._send_next()  # whatever happened above, those waiting are not left behind

    def _lost(self) -> None:
        if self._loop is not None and self._pipe is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._pipe.fileno())
            self._loop.remove_writer(self._pipe.fileno())
        if self._process is not None and self._process.is_alive():
            self._process.kill()
        self._discard()

    @staticmethod
    def _fail(pending: Sequence[Pending], error: BaseException) -> None:
        for _, _, future in pending:
            if not future.done() and not future.get_loop().is_closed():
                future.set_exception(error)

    def _discard(self) -> None:
        if self._pipe is not None:
            self._pipe.close()
        self._pipe, self._outgoing, self._incoming = None, None, FrameReader()
        if self._process is not None and not self._process.is_alive():
            self._process.join()
        self._process = None
