"""The one place the service reads the wall clock; logic takes `now` as an argument."""

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

# A rehearsal (savor.rehearsal) runs the whole service in one process on a simulated clock:
# every module reads "now" here, so setting it moves the service through weeks in minutes.
_simulated: datetime | None = None


def utcnow() -> datetime:
    return _simulated if _simulated is not None else datetime.now(UTC)


def set_simulated_now(moment: datetime | None) -> None:
    """Make `utcnow()` answer `moment` in this process (None: the wall clock again)."""
    global _simulated
    _simulated = moment


@cache
def time_zone(name: str) -> ZoneInfo:
    """A time zone by name, read once per process.

    ZoneInfo keeps only its last eight zones alive by itself; a study spread over more reread a
    zone file for almost every participant it planned.
    """
    return ZoneInfo(name)
