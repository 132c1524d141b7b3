"""The one place the service reads the wall clock; logic takes `now` as an argument."""

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


@cache
def time_zone(name: str) -> ZoneInfo:
    """A time zone by name, read once per process.

    ZoneInfo keeps only its last eight zones alive by itself; a study spread over more reread a
    zone file for almost every participant it planned.
    """
    return ZoneInfo(name)
