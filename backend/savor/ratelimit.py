"""Slows down guessing: too many failures under one key lock that key out for a while.

A failure counts under the client's address and under what was guessed (the start of a token
or code): behind a proxy every phone may share an address, and one guesser may use many.
"""

import threading
from collections import deque
from collections.abc import Sequence
from datetime import datetime, timedelta

from savor.errors import AppError

Keys = str | Sequence[str]


def guess_keys(client: str, guessed: str | None) -> list[str]:
    """The keys one failure counts under: the client's address and, when known, the guess."""
    keys = [f"client:{client}"]
    if guessed:
        keys.append(f"guess:{guessed}")
    return keys


def _as_list(keys: Keys) -> Sequence[str]:
    return [keys] if isinstance(keys, str) else keys


class FailureLimiter:
    """In-process sliding window of failures per key.

    Each replica keeps its own window, so N replicas allow N times the attempts; with 40-bit
    codes that still leaves guessing hopeless, and it needs no shared store.
    """

    def __init__(self, *, max_failures: int, window: timedelta) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def retry_after(self, keys: Keys, *, now: datetime) -> int | None:
        """Seconds until none of `keys` is over its limit, or None when it may try now."""
        waits = []
        with self._lock:
            for key in _as_list(keys):
                failures = self._recent(key, now)
                if len(failures) >= self.max_failures:
                    # The wait ends when enough of the oldest failures have aged out.
                    oldest = failures[len(failures) - self.max_failures]
                    waits.append(max(1, int((oldest + self.window - now).total_seconds()) + 1))
        return max(waits, default=None)

    def refuse_if_locked(self, keys: Keys, *, now: datetime, what: str) -> None:
        """A 429 with Retry-After when any of `keys` must wait; `what` names what did not work."""
        wait = self.retry_after(keys, now=now)
        if wait is not None:
            raise AppError(
                429,
                "too_many_attempts",
                f"Too many {what} that did not work. Please wait {wait} seconds and try again.",
                headers={"Retry-After": str(wait)},
            )

    def record_failure(self, keys: Keys, *, now: datetime) -> None:
        with self._lock:
            for key in _as_list(keys):
                failures = self._recent(key, now)
                failures.append(now)
                self._failures[key] = failures

    def prune(self, *, now: datetime) -> None:
        with self._lock:
            for key in list(self._failures):
                if not self._recent(key, now):
                    del self._failures[key]
