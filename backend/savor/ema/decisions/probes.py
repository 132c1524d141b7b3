"""Decision points at times of her day: random-time probes (`per_day` random times inside her
waking hours) and her daily practice reminder (the time she set, in her zone).

Each probe time is a prompt of kind `probe`, planned with her other prompts (ema/planning.py)
under a schedule id no protocol can use (`decision:probe:<rule>`), so re-planning moves and
cancels it like a random prompt and withdrawal cancels it. Its times come from the study's
planning seed, so planning twice gives the same times. Nothing is pushed for a probe: at its
time the ticker decides it (ema/decisions/probe_decide.py); an offer turns it into a prompt of
kind `offer`, which the dispatcher then notifies with neutral words.
"""

import uuid
from collections.abc import Iterator
from datetime import date, time, timedelta

from savor.clock import time_zone
from savor.ema.schedule import PlannedPrompt, local_to_utc, random_times
from savor.studies.decision_rules import Decisions

PROBE_KIND = "probe"  # planned, not decided yet: never pushed, never shown
OFFER_KIND = "offer"  # decided, an offer drawn: pushed, opens the practice in the app
SCHEDULE_PREFIX = "decision:probe:"  # protocol schedule ids have no ':'
HIDDEN_KINDS = (PROBE_KIND, OFFER_KIND)  # no check-in: kept out of her list and compliance


def schedule_id(rule_id: str) -> str:
    return SCHEDULE_PREFIX + rule_id


POINT_PREFIX = "probe:"


def point(prompt_id: uuid.UUID) -> str:
    """A probe decision point's identity (its draw's seed), stable across re-planning."""
    return f"{POINT_PREFIX}{prompt_id}"


def prompt_of(decision_point: str) -> uuid.UUID:
    """The probe's prompt (its notification, when an offer was drawn)."""
    return uuid.UUID(decision_point.removeprefix(POINT_PREFIX))


def plan_probes(
    decisions: Decisions | None,
    *,
    local_date: date,
    tz: str,
    wake: time,
    sleep: time,
    seed: bytes,
    reminder: time | None = None,
) -> Iterator[PlannedPrompt]:
    """Her decision points at times of one local day: every probe rule's random times, and
    every practice_reminder rule's at her reminder time (none while she has not set one)."""
    if decisions is None:
        return
    for rule in decisions.timed_rules():
        if rule.kind == "practice_reminder":
            # Her own wall-clock time, DST-safe: a time in a spring-forward gap moves past it.
            times = [] if reminder is None else [local_to_utc(local_date, reminder, time_zone(tz))]
        else:
            times = random_times(
                key=schedule_id(rule.id),
                local_date=local_date,
                tz=tz,
                wake=wake,
                sleep=sleep,
                per_day=rule.per_day,
                spacing=rule.spacing_minutes,
                seed=seed,
            )
        for slot, at in enumerate(times):
            yield PlannedPrompt(
                schedule_id(rule.id),
                decisions.proximal_outcome.instrument,
                local_date,
                slot,
                at,
                at + timedelta(minutes=rule.open_minutes),
                None,
            )
