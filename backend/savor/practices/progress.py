"""Her program week and calendar days, always counted in her own time zone."""

from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta

from savor.clock import time_zone
from savor.studies.history import History


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(time_zone(timezone)).date()


def program_week(*, enrolled_at: datetime, timezone: str, now: datetime) -> int:
    """Week 1 starts on her enrollment day; a new week begins at her local midnight."""
    days = (local_date(now, timezone) - local_date(enrolled_at, timezone)).days
    return max(days, 0) // 7 + 1


def program_day(*, enrolled_at: datetime, timezone: str, now: datetime) -> int:
    return max((local_date(now, timezone) - local_date(enrolled_at, timezone)).days, 0) + 1


def week_starts(*, enrolled_at: datetime, history: History, weeks: int) -> list[datetime]:
    """When each of her program weeks 2..`weeks` begins (UTC): at her local midnight every 7
    days from her enrollment day, each midnight in the zone in force at it, so a move or a
    DST change moves the turnover with her clock. Her enrollment day is counted in the zone
    she enrolled in."""
    first = local_date(enrolled_at, history.zone_at(enrolled_at))
    return [_midnight(first + timedelta(days=7 * (n - 1)), history) for n in range(2, weeks + 1)]


def _midnight(day: date, history: History) -> datetime:
    """The start of her `day`: midnight in the zone of the latest state begun by then."""
    for index in range(len(history.states) - 1, -1, -1):
        state = history.states[index]
        start = datetime.combine(day, time(0), tzinfo=time_zone(state.timezone)).astimezone(UTC)
        if index == 0 or start >= state.at:
            return start
    raise AssertionError("a history is never empty")


def week_at(starts: list[datetime], moment: datetime) -> int:
    """Her program week at `moment`, given week_starts (sorted)."""
    return 1 + bisect_right(starts, moment)
