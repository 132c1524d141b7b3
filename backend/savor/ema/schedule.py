"""Plan one participant's EMA prompts for one local day: pure and deterministic, no clock reads.

Times are chosen on her wall clock and kept in UTC. Random prompts are placed in real elapsed
minutes from waking, so a DST change makes the day shorter or longer but never makes two prompts
collide or breaks their spacing.
"""

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from savor.clock import time_zone
from savor.studies.protocol import ALL_DAYS, Schedule

# Two prompts of one schedule are never at the same minute, even with min_spacing_minutes = 0.
MIN_GAP_MINUTES = 1

PromptKey = tuple[str, date, int]


@dataclass(frozen=True)
class PlannedPrompt:
    schedule_id: str
    instrument: str
    local_date: date
    slot: int
    scheduled_at: datetime
    expires_at: datetime
    remind_at: datetime | None

    @property
    def key(self) -> PromptKey:
        """A prompt's identity across replanning: its time may move, its key does not."""
        return (self.schedule_id, self.local_date, self.slot)


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Her wall-clock time on `day` as an aware UTC datetime."""
    # fold=0 gives both DST rules at once: a time in a spring-forward gap is read with the offset
    # from before the gap (02:30 becomes 03:30), an ambiguous fall-back time as its first instance.
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    return naive.replace(tzinfo=zone).astimezone(UTC)


def waking_window(
    *, local_date: date, tz: str, wake: time, sleep: time
) -> tuple[datetime, datetime]:
    """(start, end) in UTC; `end` is exclusive. A sleep at or before wake is after midnight."""
    return _window(local_date, tz, wake, sleep)


# Many participants share a zone and waking hours, and each window is asked for once per
# schedule: remembering recent ones saves most of the zone arithmetic when planning thousands.
@lru_cache(maxsize=4096)
def _window(local_date: date, tz: str, wake: time, sleep: time) -> tuple[datetime, datetime]:
    zone = time_zone(tz)
    sleep_date = local_date if sleep > wake else local_date + timedelta(days=1)
    return local_to_utc(local_date, wake, zone), local_to_utc(sleep_date, sleep, zone)


def runs_on(schedule: Schedule, *, local_date: date, program_day: int) -> bool:
    """Whether the schedule's weekday and program-day filters let it run on this day."""
    if ALL_DAYS[local_date.weekday()] not in schedule.days:
        return False
    if schedule.program_days is None:
        return True
    first, last = schedule.program_days
    return first <= program_day <= last


def fitting_count(*, window_minutes: int, per_day: int, spacing_minutes: int) -> int:
    """How many prompts fit: n fit when (n - 1) * max(spacing, 1) < window minutes."""
    if window_minutes <= 0:
        return 0
    gap = max(spacing_minutes, MIN_GAP_MINUTES)
    return min(per_day, (window_minutes - 1) // gap + 1)


def _rng(seed: bytes, schedule_id: str, local_date: date) -> random.Random:
    # Length-prefixed parts, so no two (id, date) pairs can hash alike; one generator per
    # schedule, so editing one schedule never moves another's prompts.
    digest = hashlib.sha256()
    for part in (seed, schedule_id.encode(), local_date.isoformat().encode()):
        digest.update(len(part).to_bytes(4, "big") + part)
    return random.Random(int.from_bytes(digest.digest(), "big"))


def _random_offsets(rng: random.Random, *, minutes: int, per_day: int, spacing: int) -> list[int]:
    """Minute offsets from waking: one draw per stratum, spacing kept, last one before sleep."""
    count = fitting_count(window_minutes=minutes, per_day=per_day, spacing_minutes=spacing)
    gap = max(spacing, MIN_GAP_MINUTES)
    # Set the gaps aside and stratify what is left. Adding i * gap back keeps prompt i inside the
    # i-th equal stratum of the whole window, and the spacing holds whenever `count` prompts fit
    # at all; shrinking each stratum by half the gap would need a window of per_day * gap.
    free = minutes - (count - 1) * gap  # minutes 0 .. free - 1 are open to the draws
    offsets = []
    for i in range(count):
        low = i * free // count
        high = (i + 1) * free // count - 1
        offsets.append(rng.randint(low, max(low, high)) + i * gap)
    return offsets


def random_times(
    *,
    key: str,
    local_date: date,
    tz: str,
    wake: time,
    sleep: time,
    per_day: int,
    spacing: int,
    seed: bytes,
) -> list[datetime]:
    """`per_day` times inside her waking window, placed as a random schedule's prompts are:
    the same for the same seed and key, spaced in real minutes, so DST never breaks them."""
    start, end = _window(local_date, tz, wake, sleep)
    if end <= start:
        return []
    offsets = _random_offsets(
        _rng(seed, key, local_date),
        minutes=int((end - start).total_seconds()) // 60,
        per_day=per_day,
        spacing=spacing,
    )
    return [start + timedelta(minutes=offset) for offset in offsets]


def _fixed_times(
    schedule: Schedule, *, local_date: date, zone: ZoneInfo, wake: time, sleep: time
) -> list[tuple[int, datetime]]:
    start, end = _window(local_date, zone.key, wake, sleep)
    found: list[tuple[int, datetime]] = []
    seen: set[datetime] = set()
    # The slot is the position in `times`, so a time that leaves her window does not renumber,
    # and so does not replan, the others.
    for slot, at in enumerate(schedule.times):
        after_midnight = sleep <= wake and at.replace(tzinfo=None) < wake
        day = local_date + timedelta(days=1) if after_midnight else local_date
        when = local_to_utc(day, at, zone)
        if start <= when < end and when not in seen:
            seen.add(when)
            found.append((slot, when))
    return found


def _times_for(
    schedule: Schedule, *, local_date: date, zone: ZoneInfo, wake: time, sleep: time, seed: bytes
) -> list[tuple[int, datetime]]:
    start, end = _window(local_date, zone.key, wake, sleep)
    if end <= start:
        # Only possible when both ends fall around a spring-forward gap; no time is inside.
        return []
    if schedule.kind == "fixed":
        return _fixed_times(schedule, local_date=local_date, zone=zone, wake=wake, sleep=sleep)
    if schedule.kind == "end_of_day":
        # A window shorter than minutes_before_sleep still gets its diary, at waking.
        return [(0, max(start, end - timedelta(minutes=schedule.minutes_before_sleep)))]
    offsets = _random_offsets(
        _rng(seed, schedule.id, local_date),
        minutes=int((end - start).total_seconds()) // 60,
        per_day=schedule.per_day,
        spacing=schedule.min_spacing_minutes,
    )
    return [(slot, start + timedelta(minutes=offset)) for slot, offset in enumerate(offsets)]


def plan_day(
    *,
    schedules: Sequence[Schedule],
    local_date: date,
    tz: str,
    wake: time,
    sleep: time,
    program_day: int,
    seed: bytes,
) -> list[PlannedPrompt]:
    """Every prompt for one participant's local day, ordered by time; same inputs, same plan."""
    zone = time_zone(tz)
    planned = []
    for schedule in schedules:
        if not runs_on(schedule, local_date=local_date, program_day=program_day):
            continue
        expires = timedelta(minutes=schedule.expires_minutes)
        remind = None if schedule.reminder_minutes is None else schedule.reminder_minutes
        for slot, at in _times_for(
            schedule, local_date=local_date, zone=zone, wake=wake, sleep=sleep, seed=seed
        ):
            planned.append(
                PlannedPrompt(
                    schedule.id,
                    schedule.instrument,
                    local_date,
                    slot,
                    at,
                    at + expires,
                    None if remind is None else at + timedelta(minutes=remind),
                )
            )
    planned.sort(key=_order)
    return planned


def _order(prompt: PlannedPrompt) -> tuple[datetime, str, int]:
    return prompt.scheduled_at, prompt.schedule_id, prompt.slot
