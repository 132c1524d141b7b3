"""Prompt planning: inside her waking window, spaced, DST-safe, deterministic, replannable."""

import functools
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from savor.ema.schedule import PlannedPrompt, plan_day, waking_window
from savor.studies.protocol import Schedule

SEED = b"participant-7f3a"
WEDNESDAY = date(2026, 6, 10)
SPRING_FORWARD = date(2026, 3, 8)  # America/New_York: 02:00 EST -> 03:00 EDT
FALL_BACK = date(2026, 11, 1)  # America/New_York: 02:00 EDT -> 01:00 EST
MINUTE = timedelta(minutes=1)


def _random(
    per_day: int = 3, spacing: int = 120, schedule_id: str = "random_checkin", **extra: object
) -> Schedule:
    return Schedule.model_validate(
        {
            "id": schedule_id,
            "kind": "random",
            "instrument": "momentary",
            "per_day": per_day,
            "min_spacing_minutes": spacing,
            **extra,
        }
    )


def _fixed(*times: time, **extra: object) -> Schedule:
    return Schedule.model_validate(
        {"id": "fixed_checkin", "kind": "fixed", "instrument": "momentary", "times": list(times)}
        | extra
    )


def _diary(minutes_before_sleep: int = 60, **extra: object) -> Schedule:
    return Schedule.model_validate(
        {
            "id": "daily_diary",
            "kind": "end_of_day",
            "instrument": "end_of_day",
            "minutes_before_sleep": minutes_before_sleep,
        }
        | extra
    )


def _plan(
    schedules: Sequence[Schedule],
    *,
    day: date = WEDNESDAY,
    tz: str = "America/Chicago",
    wake: time = time(7),
    sleep: time = time(22),
    program_day: int = 10,
    seed: bytes = SEED,
) -> list[PlannedPrompt]:
    return plan_day(
        schedules=schedules,
        local_date=day,
        tz=tz,
        wake=wake,
        sleep=sleep,
        program_day=program_day,
        seed=seed,
    )


def _local(prompt: PlannedPrompt, tz: str) -> datetime:
    return prompt.scheduled_at.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def _assert_spaced(prompts: Sequence[PlannedPrompt], minutes: int) -> None:
    for earlier, later in pairwise(prompts):
        assert later.scheduled_at - earlier.scheduled_at >= timedelta(minutes=minutes)


def test_three_random_prompts_one_per_stratum_two_hours_apart():
    plan = _plan([_random()])
    assert [p.slot for p in plan] == [0, 1, 2]
    strata = [(time(7), time(12)), (time(12), time(17)), (time(17), time(22))]
    for prompt, (low, high) in zip(plan, strata, strict=True):
        local = _local(prompt, "America/Chicago")
        assert local.date() == WEDNESDAY
        assert low <= local.time() < high
        assert prompt.scheduled_at.tzinfo is UTC
        assert prompt.expires_at == prompt.scheduled_at + timedelta(minutes=45)
        assert prompt.remind_at == prompt.scheduled_at + timedelta(minutes=15)
    _assert_spaced(plan, 120)


def test_fixed_times_inside_the_window_only():
    plan = _plan([_fixed(time(9), time(13, 30), time(6), time(23), reminder_minutes=None)])
    assert [(p.slot, _local(p, "America/Chicago").time()) for p in plan] == [
        (0, time(9)),
        (1, time(13, 30)),
    ]
    assert plan[0].scheduled_at == datetime(2026, 6, 10, 14, tzinfo=UTC)  # CDT is UTC-5
    assert all(p.remind_at is None for p in plan)


def test_end_of_day_diary_an_hour_before_sleep():
    (diary,) = _plan([_diary(60)])
    assert _local(diary, "America/Chicago") == datetime(2026, 6, 10, 21)
    assert diary.expires_at - diary.scheduled_at == timedelta(minutes=45)


def test_a_window_shorter_than_the_diary_lead_puts_the_diary_at_waking():
    (diary,) = _plan([_diary(180)], wake=time(20), sleep=time(22))
    assert _local(diary, "America/Chicago") == datetime(2026, 6, 10, 20)


def test_window_past_midnight_ends_the_next_day():
    start, end = waking_window(
        local_date=WEDNESDAY, tz="America/Chicago", wake=time(14), sleep=time(2)
    )
    assert end - start == timedelta(hours=12)
    schedules = [_random(), _fixed(time(1), time(3), time(10), time(15)), _diary(60)]
    plan = _plan(schedules, wake=time(14), sleep=time(2))
    fixed = [_local(p, "America/Chicago") for p in plan if p.schedule_id == "fixed_checkin"]
    assert fixed == [datetime(2026, 6, 10, 15), datetime(2026, 6, 11, 1)]
    diary = next(p for p in plan if p.schedule_id == "daily_diary")
    assert _local(diary, "America/Chicago") == datetime(2026, 6, 11, 1)
    assert all(p.local_date == WEDNESDAY for p in plan)
    assert all(start <= p.scheduled_at < end for p in plan)


def test_sleep_equal_to_wake_is_a_whole_day():
    plan = _plan([_fixed(time(6), time(8))], wake=time(7), sleep=time(7))
    assert [_local(p, "America/Chicago") for p in plan] == [
        datetime(2026, 6, 10, 8),
        datetime(2026, 6, 11, 6),
    ]


def test_a_window_lost_in_the_spring_forward_gap_plans_nothing():
    # 02:30 becomes 03:30 while 03:00 stays 03:00: the window ends before it starts.
    plan = _plan(
        [_random(), _fixed(time(2, 45)), _diary(0)],
        day=SPRING_FORWARD,
        tz="America/New_York",
        wake=time(2, 30),
        sleep=time(3),
    )
    assert plan == []


def test_days_filter_uses_her_local_weekday():
    weekdays_only = _random(days=["mon", "wed"])
    assert len(_plan([weekdays_only], day=date(2026, 6, 8))) == 3  # Monday
    assert _plan([weekdays_only], day=date(2026, 6, 9)) == []  # Tuesday
    # 23:30 Tuesday in Chicago is already Wednesday in UTC; her Tuesday is what counts.
    assert _plan([weekdays_only], day=date(2026, 6, 9), wake=time(23, 30), sleep=time(6)) == []


def test_program_days_filter_is_inclusive():
    first_week = _diary(program_days=(1, 7))
    assert len(_plan([first_week], program_day=1)) == 1
    assert len(_plan([first_week], program_day=7)) == 1
    assert _plan([first_week], program_day=8) == []


def test_spring_forward_day_is_an_hour_shorter_and_stays_spaced():
    tz = "America/New_York"
    start, end = waking_window(local_date=SPRING_FORWARD, tz=tz, wake=time(0), sleep=time(12))
    assert end - start == timedelta(hours=11)
    plan = _plan(
        [_random(per_day=4, spacing=150), _fixed(time(2, 30))],
        day=SPRING_FORWARD,
        tz=tz,
        wake=time(0),
        sleep=time(12),
    )
    gap_time = next(p for p in plan if p.schedule_id == "fixed_checkin")
    assert _local(gap_time, tz) == datetime(2026, 3, 8, 3, 30)  # 02:30 does not exist
    randoms = [p for p in plan if p.schedule_id == "random_checkin"]
    assert len(randoms) == 4
    _assert_spaced(randoms, 150)
    assert all(start <= p.scheduled_at < end for p in plan)


def test_a_wake_time_in_the_spring_forward_gap_moves_forward():
    tz = "America/New_York"
    start, _ = waking_window(local_date=SPRING_FORWARD, tz=tz, wake=time(2, 15), sleep=time(20))
    assert start.astimezone(ZoneInfo(tz)).time() == time(3, 15)


def test_fall_back_day_is_an_hour_longer_and_uses_the_first_ambiguous_time():
    tz = "America/New_York"
    start, end = waking_window(local_date=FALL_BACK, tz=tz, wake=time(0), sleep=time(12))
    assert end - start == timedelta(hours=13)
    plan = _plan(
        [_random(per_day=6, spacing=120), _fixed(time(1, 30))],
        day=FALL_BACK,
        tz=tz,
        wake=time(0),
        sleep=time(12),
    )
    ambiguous = next(p for p in plan if p.schedule_id == "fixed_checkin")
    assert ambiguous.scheduled_at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    randoms = [p for p in plan if p.schedule_id == "random_checkin"]
    assert len(randoms) == 6
    _assert_spaced(randoms, 120)
    assert [p.scheduled_at for p in plan] == sorted({p.scheduled_at for p in plan})


def test_zones_far_from_utc():
    for tz, utc_start in [
        ("Pacific/Kiritimati", datetime(2026, 6, 9, 17, tzinfo=UTC)),  # UTC+14
        ("Asia/Kathmandu", datetime(2026, 6, 10, 1, 15, tzinfo=UTC)),  # UTC+5:45
    ]:
        start, _ = waking_window(local_date=WEDNESDAY, tz=tz, wake=time(7), sleep=time(22))
        assert start == utc_start
        plan = _plan([_random(), _diary(60)], tz=tz)
        assert [_local(p, tz).date() for p in plan] == [WEDNESDAY] * 4
        assert all(time(7) <= _local(p, tz).time() < time(22) for p in plan)
        assert _local(plan[-1], tz).time() == time(21)
        _assert_spaced(plan[:3], 120)


def test_too_short_window_plans_fewer_prompts_without_breaking_spacing():
    plan = _plan([_random(per_day=3, spacing=120)], wake=time(8), sleep=time(11))
    assert len(plan) == 2
    _assert_spaced(plan, 120)
    # 3 prompts 120 minutes apart need more than 240 minutes: the last must come before sleep.
    assert len(_plan([_random(per_day=3, spacing=120)], wake=time(8), sleep=time(12))) == 2
    just_fits = _plan([_random(per_day=3, spacing=120)], wake=time(8), sleep=time(12, 1))
    assert [_local(p, "America/Chicago").time() for p in just_fits] == [time(8), time(10), time(12)]


def test_planning_is_deterministic_and_depends_on_the_seed():
    schedules = [_random(), _diary()]
    assert _plan(schedules) == _plan(schedules)
    assert _plan(schedules) != _plan(schedules, seed=b"another-participant")
    assert _plan(schedules) != _plan(schedules, day=WEDNESDAY + timedelta(days=1))


def test_changing_one_schedule_leaves_the_others_alone():
    def checkins(plan: list[PlannedPrompt]) -> list[PlannedPrompt]:
        return [p for p in plan if p.schedule_id == "random_checkin"]

    before = _plan([_random(), _random(per_day=2, schedule_id="craving_probe")])
    after = _plan(
        [_random(per_day=5, spacing=30, schedule_id="craving_probe"), _random(), _diary()]
    )
    assert checkins(before) == checkins(after)


# Zones with and without DST, half- and quarter-hour offsets, both hemispheres, near the date line.
ZONES = [
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "America/St_Johns",
    "Pacific/Honolulu",
    "Europe/London",
    "Europe/Madrid",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Kiritimati",
]
FIRST_DAY, LAST_DAY = date(2026, 1, 1), date(2027, 12, 31)


@functools.cache
def _dst_days(tz: str) -> list[date]:
    """Days whose local midnights have different offsets, and the day before each."""
    zone = ZoneInfo(tz)
    found: list[date] = []
    day = FIRST_DAY
    while day < LAST_DAY:
        after = day + timedelta(days=1)
        if (
            datetime.combine(day, time(), zone).utcoffset()
            != datetime.combine(after, time(), zone).utcoffset()
        ):
            found += [day - timedelta(days=1), day]
        day = after
    return found


def _zone_and_day(tz: str) -> st.SearchStrategy[tuple[str, date]]:
    days = st.dates(FIRST_DAY, LAST_DAY)
    if _dst_days(tz):
        days = st.one_of(days, st.sampled_from(_dst_days(tz)))
    return st.tuples(st.just(tz), days)


zones_and_days = st.sampled_from(ZONES).flatmap(_zone_and_day)
# Wake times near 02:00 are over-sampled: that is where most DST changes happen.
wake_minutes = st.one_of(st.integers(0, 24 * 60 - 1), st.sampled_from([60, 90, 120, 135, 150]))
window_minutes = st.integers(4 * 60, 18 * 60)
clock_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


def _clock(minute_of_day: int) -> time:
    minute_of_day %= 24 * 60
    return time(minute_of_day // 60, minute_of_day % 60)


@settings(max_examples=150, deadline=None)
@given(
    zone_day=zones_and_days,
    wake_at=wake_minutes,
    length=window_minutes,
    per_day=st.integers(1, 6),
    spacing=st.integers(0, 180),
    fixed_times=st.lists(clock_times, max_size=4),
    diary_lead=st.integers(0, 360),
    seed=st.binary(min_size=1, max_size=16),
)
def test_plans_stay_inside_the_window_spaced_complete_and_deterministic(
    zone_day: tuple[str, date],
    wake_at: int,
    length: int,
    per_day: int,
    spacing: int,
    fixed_times: list[time],
    diary_lead: int,
    seed: bytes,
):
    tz, day = zone_day
    wake, sleep = _clock(wake_at), _clock(wake_at + length)
    checkin = _random(per_day=per_day, spacing=spacing)
    schedules = [checkin, _diary(diary_lead)] + ([_fixed(*fixed_times)] if fixed_times else [])
    window = {"day": day, "tz": tz, "wake": wake, "sleep": sleep, "seed": seed}
    plan = _plan(schedules, **window)
    assert plan == _plan(schedules, **window)
    assert [p for p in plan if p.schedule_id == "random_checkin"] == _plan([checkin], **window)

    start, end = waking_window(local_date=day, tz=tz, wake=wake, sleep=sleep)
    minutes = int((end - start).total_seconds()) // 60
    assert [p.scheduled_at for p in plan] == sorted(p.scheduled_at for p in plan)
    for prompt in plan:
        assert prompt.scheduled_at.tzinfo is UTC
        if prompt.schedule_id == "daily_diary":
            assert start <= prompt.scheduled_at <= end
        else:
            assert start <= prompt.scheduled_at < end

    # Fit rule: n prompts fit when (n - 1) * max(spacing, 1) < the window in whole minutes.
    gap = max(spacing, 1)
    randoms = [p for p in plan if p.schedule_id == "random_checkin"]
    assert [p.slot for p in randoms] == list(range(len(randoms)))
    if (per_day - 1) * gap < minutes:
        assert len(randoms) == per_day
    else:
        assert 0 < len(randoms) < per_day
        assert len(randoms) * gap >= minutes  # one more would not fit
    _assert_spaced(randoms, gap)
    for index, prompt in enumerate(randoms):
        offset = (prompt.scheduled_at - start) / MINUTE
        assert offset == int(offset)
        assert index * minutes / len(randoms) - 1 <= offset < (index + 1) * minutes / len(randoms)

    zone = ZoneInfo(tz)
    for prompt in (p for p in plan if p.schedule_id == "fixed_checkin"):
        wanted = fixed_times[prompt.slot]
        local = prompt.scheduled_at.astimezone(zone)
        if local.time() != wanted:  # only a wall time that does not exist may move
            skipped = datetime.combine(local.date(), wanted, zone)
            assert skipped.astimezone(UTC).astimezone(zone).time() != wanted
