"""Why a participant needs the team's attention: every flag is decided here, in one place.

Two flags wait on work not in the service yet: a missed questionnaire wave (waves) and a
consent not renewed (versioned consent). Their hooks below answer "none" until then, so the
console shows nothing for them rather than a guess.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from savor.research.console.models import Flag

QUIET_DAYS = 3
REASONS = {
    "no_device": "no phone is signed up for notifications",
    "push_refused": "every phone refused its last 3 notifications",
    "no_receipts": "her last 3 notifications never reported reaching her phone",
}


@dataclass(frozen=True)
class Facts:
    """What the flags are decided from, for one participant."""

    active: bool
    enrolled_at: datetime
    notifications: str
    notifications_reason: str | None
    last_checkin_at: datetime | None


def missed_wave(facts: Facts) -> Flag | None:
    """Hook for questionnaire waves: a wave past its window unanswered. None until waves exist."""
    return None


def next_wave(facts: Facts) -> date | None:
    """Hook for questionnaire waves: when her next one opens. None until waves exist."""
    return None


def not_reconsented(facts: Facts) -> Flag | None:
    """Hook for versioned consent: a newer consent she has not agreed to. None until it exists."""
    return None


def flags_of(facts: Facts, *, now: datetime) -> list[Flag]:
    if not facts.active:
        return []
    found: list[Flag] = []
    if facts.notifications == "failing":
        why = REASONS.get(facts.notifications_reason or "", "notifications are not reaching her")
        found.append(Flag(code="notifications_failing", reason=f"Notifications failing: {why}."))
    quiet_since = now - timedelta(days=QUIET_DAYS)
    last = facts.last_checkin_at
    if facts.enrolled_at <= quiet_since and (last is None or last < quiet_since):
        when = "never yet" if last is None else f"last on {last.date().isoformat()}"
        found.append(
            Flag(code="no_checkin_3_days", reason=f"No check-in for {QUIET_DAYS} days ({when}).")
        )
    found.extend(f for f in (missed_wave(facts), not_reconsented(facts)) if f is not None)
    return found
