"""Her program week and calendar days, always counted in her own time zone."""

from datetime import date, datetime

from savor.clock import time_zone


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(time_zone(timezone)).date()


def program_week(*, enrolled_at: datetime, timezone: str, now: datetime) -> int:
    """Week 1 starts on her enrollment day; a new week begins at her local midnight."""
    days = (local_date(now, timezone) - local_date(enrolled_at, timezone)).days
    return max(days, 0) // 7 + 1


def program_day(*, enrolled_at: datetime, timezone: str, now: datetime) -> int:
    return max((local_date(now, timezone) - local_date(enrolled_at, timezone)).days, 0) + 1
