"""Many pushes at once on a bounded pool of threads; results come back as soon as they are known.

Sending is network wait: one push service answering slowly, or not at all until the timeout,
must not hold back every other mother's notification, as it did when each waited its turn.
"""

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from savor.notify.webpush import PushResult

log = logging.getLogger(__name__)

T = TypeVar("T")
# Enough to keep a push service busy while each message waits on its answer; few enough
# that a burst neither opens hundreds of connections nor starves the app of CPU.
PUSH_WORKERS = 16
# Results are handed over at most this often: each group is one commit, and a commit per
# answer cost more than the pushes themselves when answers came back a millisecond apart.
GROUP_SECONDS = 0.1


def _safely(send: Callable[[T], PushResult], message: T) -> PushResult:
    # A sender is written never to raise; if one does, its message is retried later
    # like any passing failure rather than losing the whole group's results.
    try:
        return send(message)
    except Exception as exc:
        log.exception("push sender failed")
        return PushResult("retry", None, f"sender failed: {type(exc).__name__}")


def send_all(
    messages: Sequence[T],
    send: Callable[[T], PushResult],
    *,
    more: Callable[[], Sequence[T]] | None = None,
    refill_below: int | None = None,
    workers: int = PUSH_WORKERS,
    group_seconds: float = GROUP_SECONDS,
) -> Iterator[list[tuple[T, PushResult]]]:
    """Yield groups of (message, result) as they finish, at most one group per group_seconds.

    A result waits at most group_seconds to be handed over; the first after a quiet spell
    is handed over at once. `more`, if given, is asked for further messages whenever fewer
    than `refill_below` (by default two per worker) wait to be sent or answered, until it
    has none: one batch's slowest pushes no longer leave the pool idle before the next batch
    starts, and nothing is taken (claimed) long before it can be sent. It is called between
    groups, on the caller's thread.
    """
    low_water = 2 * workers if refill_below is None else refill_below
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="push")
    try:
        pending: dict[Future[PushResult], T] = {}
        batch: Sequence[T] = messages
        exhausted = more is None
        ready: list[tuple[T, PushResult]] = []
        handed_over = time.monotonic() - group_seconds
        while True:
            pending |= {pool.submit(_safely, send, message): message for message in batch}
            batch = []
            if not exhausted and len(pending) < low_water:
                assert more is not None
                batch = more()
                exhausted = not batch
                continue
            if not pending:
                break
            wait_for = max(0.0, handed_over + group_seconds - time.monotonic()) if ready else None
            done, _ = wait(pending, timeout=wait_for, return_when=FIRST_COMPLETED)
            ready += [(pending.pop(future), future.result()) for future in done]
            if ready and (not pending or time.monotonic() - handed_over >= group_seconds):
                yield ready
                ready, handed_over = [], time.monotonic()
        if ready:
            yield ready
    finally:
        # If the caller stops (it could not record results), nothing more is sent: a message
        # sent now could not be recorded and would go out again after its claim goes stale.
        pool.shutdown(wait=True, cancel_futures=True)
