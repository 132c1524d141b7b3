"""Why a participant needs the team's attention: every flag is decided here, in one place.

A missed questionnaire wave is one that closed unanswered in the last two weeks; her next
wave is the next one not yet closed. A consent not renewed is a newer consent version in the
protocol that she has not agreed to yet (she is asked at her next visit).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from savor.research.console.models import Flag

QUIET_DAYS = 3
MISSED_WAVE_DAYS = 14
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
    # Her latest wave closed unanswered (its id and when it closed), and her next wave's
    # opening (or the one open now), from the wave prompts (see ema/waves.py).
    missed_wave: tuple[str, datetime] | None = None
    next_wave_at: datetime | None = None
    # The protocol's consent is newer than the one she agreed to (studies/consent.py).
    consent_needed: bool = False


def missed_wave(facts: Facts, *, now: datetime) -> Flag | None:
    """A questionnaire wave that closed unanswered in the last two weeks."""
    if facts.missed_wave is None:
        return None
    wave, closed = facts.missed_wave
    if closed < now - timedelta(days=MISSED_WAVE_DAYS):
        return None
    return Flag(
        code="missed_wave",
        reason=f"Missed questionnaire wave '{wave}' (closed {closed.date().isoformat()}).",
    )


def next_wave(facts: Facts) -> date | None:
    """When her next questionnaire wave opens (or opened, if it is open now)."""
    return facts.next_wave_at.date() if facts.next_wave_at else None


def not_reconsented(facts: Facts) -> Flag | None:
    """A newer consent in the protocol that she has not agreed to yet."""
    if not facts.consent_needed:
        return None
    return Flag(
        code="not_reconsented",
        reason="Has not yet agreed to the new consent; the app asks her at her next visit.",
    )


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
    found.extend(f for f in (missed_wave(facts, now=now), not_reconsented(facts)) if f is not None)
    return found
