"""Questionnaire waves in her days: when each opens, reminds and closes; pure, no clock reads.

A wave is stored as a prompt of kind `wave` (its schedule id is the wave's id, its slot 0),
so it is sent, opened, answered and expired by the same machinery as a check-in: its
`expires_at` is when the window closes, and an expired wave is a missed one. A prompt holds
one reminder at a time; when one has gone out, `next_reminder` gives the next (see `jobs`).
"""

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from savor.clock import time_zone
from savor.ema.schedule import PlannedPrompt, local_to_utc, waking_window
from savor.studies.protocol import Wave

WAVE_KIND = "wave"


def _moment(wave: Wave, day: date, *, tz: str, wake: time, sleep: time) -> datetime:
    """The wave's time on her clock that day, moved inside her waking hours when outside."""
    start, end = waking_window(local_date=day, tz=tz, wake=wake, sleep=sleep)
    after_midnight = sleep <= wake and wave.at < wake
    when = local_to_utc(day + timedelta(days=after_midnight), wave.at, time_zone(tz))
    return when if start <= when < end else start


def wave_prompt(
    wave: Wave, *, first_day: date, enrolled_at: datetime, tz: str, wake: time, sleep: time
) -> PlannedPrompt:
    """The wave as she gets it: opening no earlier than the moment she joined."""
    day = first_day + timedelta(days=wave.opening_day)
    opens = max(_moment(wave, day, tz=tz, wake=wake, sleep=sleep), enrolled_at)
    closes = _moment(wave, day + timedelta(days=wave.open_days), tz=tz, wake=wake, sleep=sleep)
    reminders = reminder_times(wave, day, tz=tz, wake=wake, sleep=sleep)
    return PlannedPrompt(
        wave.id,
        wave.instrument,
        day,
        0,
        opens,
        max(closes, opens + timedelta(hours=1)),
        next((r for r in reminders if r > opens), None),
    )


def reminder_times(
    wave: Wave, opening_day: date, *, tz: str, wake: time, sleep: time
) -> list[datetime]:
    """Her reminders, `reminder_days` after the opening day, at the wave's time of day."""
    return [
        _moment(wave, opening_day + timedelta(days=n), tz=tz, wake=wake, sleep=sleep)
        for n in wave.reminder_days
    ]


def next_reminder(
    wave: Wave,
    opening_day: date,
    *,
    after: datetime,
    closes: datetime,
    tz: str,
    wake: time,
    sleep: time,
) -> datetime | None:
    """The first reminder after `after` (the last one sent) while the window is still open."""
    times = reminder_times(wave, opening_day, tz=tz, wake=wake, sleep=sleep)
    return next((t for t in times if after < t < closes), None)


def plan_waves(
    waves: Sequence[Wave],
    first: date,
    last: date,
    *,
    first_day: date,
    enrolled_at: datetime,
    stage: str | None,
    tz: str,
    wake: time,
    sleep: time,
    now: datetime,
) -> Iterator[PlannedPrompt]:
    """The waves opening from `first` to `last` (her local days) that she is asked.

    `first` reaches back to the day after the last one planned, so a wave whose opening day
    fell while planning did not run is caught up: still open, it opens now (its reminders
    from now on); closed already, it is stored as it stands and expires at once, a missed
    wave in the data rather than one silently never asked. A wave for postpartum mothers only
    is asked when she is postpartum as its opening day is planned.
    """
    for wave in waves:
        if wave.audience not in ("all", stage):
            continue
        if not first <= first_day + timedelta(days=wave.opening_day) <= last:
            continue
        planned = wave_prompt(
            wave, first_day=first_day, enrolled_at=enrolled_at, tz=tz, wake=wake, sleep=sleep
        )
        if planned.scheduled_at < now and planned.remind_at is not None:
            # Caught up late: no reminder whose day has already passed.
            later = next_reminder(
                wave,
                planned.local_date,
                after=now,
                closes=planned.expires_at,
                tz=tz,
                wake=wake,
                sleep=sleep,
            )
            planned = replace(planned, remind_at=later)
        yield planned
