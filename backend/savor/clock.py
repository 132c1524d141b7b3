"""The one place the service reads the wall clock; logic takes `now` as an argument."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
