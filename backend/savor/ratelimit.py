"""Slows down guessing: too many failures from one client lock it out for a while."""

import threading
from collections import deque
from datetime import datetime, timedelta

from savor.errors import AppError


class FailureLimiter:
    """In-process sliding window of failures per client key.

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

    def retry_after(self, key: str, *, now: datetime) -> int | None:
        """Seconds until `key` may try again, or None when it may try now."""
        with self._lock:
            failures = self._recent(key, now)
            if len(failures) < self.max_failures:
                return None
            return max(1, int((failures[0] + self.window - now).total_seconds()) + 1)

    def refuse_if_locked(self, key: str, *, now: datetime, what: str) -> None:
        """A 429 with Retry-After when `key` must wait; `what` names what did not work."""
        wait = self.retry_after(key, now=now)
        if wait is not None:
            raise AppError(
                429,
                "too_many_attempts",
                f"Too many {what} that did not work. Please wait {wait} seconds and try again.",
                headers={"Retry-After": str(wait)},
            )

    def record_failure(self, key: str, *, now: datetime) -> None:
        with self._lock:
            failures = self._recent(key, now)
            failures.append(now)
            self._failures[key] = failures

    def prune(self, *, now: datetime) -> None:
        with self._lock:
            for key in list(self._failures):
                if not self._recent(key, now):
                    del self._failures[key]
