"""Checks on what a phone sends about her settings, with messages she can act on."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import available_timezones

from savor.errors import AppError

SUPPORTED_LANGUAGES = ("en", "es")
MIN_WAKING_HOURS = 4
MAX_WAKING_HOURS = 20


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_timezone(name: str) -> str:
    name = name.strip()
    if name not in _zones():
        raise AppError(
            422,
            "invalid_timezone",
            f"'{name}' is not a time zone name we know. Use an IANA name such as "
            "'America/New_York' or 'America/Mexico_City'.",
            fields=[{"field": "timezone", "message": "unknown IANA time zone"}],
        )
    return name


def normalize_language(raw: str) -> str:
    """'es-MX' and 'ES' both mean Spanish; anything else we do not offer is refused."""
    primary = raw.strip().replace("_", "-").split("-")[0].lower()
    if primary not in SUPPORTED_LANGUAGES:
        raise AppError(
            422,
            "unsupported_language",
            f"'{raw}' is not offered yet. Choose one of: {', '.join(SUPPORTED_LANGUAGES)}.",
            fields=[{"field": "language", "message": "unsupported language"}],
        )
    return primary


def waking_hours(wake: time, sleep: time) -> float:
    """Length of the waking window; a sleep time after midnight belongs to the next day."""
    day = date(2000, 1, 1)
    start = datetime.combine(day, wake)
    end = datetime.combine(day, sleep)
    if end <= start:
        end += timedelta(days=1)
    return (end - start).total_seconds() / 3600


def validate_waking_window(wake: time, sleep: time) -> None:
    hours = waking_hours(wake, sleep)
    if not MIN_WAKING_HOURS <= hours <= MAX_WAKING_HOURS:
        raise AppError(
            422,
            "invalid_waking_hours",
            f"Waking hours from {wake:%H:%M} to {sleep:%H:%M} make {hours:g} hours; "
            f"please choose between {MIN_WAKING_HOURS} and {MAX_WAKING_HOURS} hours.",
            fields=[{"field": "sleep_time", "message": "waking window out of range"}],
        )
