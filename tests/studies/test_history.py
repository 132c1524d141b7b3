"""Her settings at a moment: the last state begun by then, looked up without a database."""

from datetime import UTC, datetime, time

from savor.practices.progress import week_at, week_starts
from savor.studies.history import History, State, state_index


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def state(moment: str, zone: str, stage: str | None = None) -> State:
    return State(at(moment), zone, stage, time(7), time(22))


MOVED = History.of(
    [
        state("2027-03-12T18:00:00", "America/Denver"),  # given out of order on purpose
        state("2027-03-10T15:00:00", "America/Chicago"),
    ]
)


def test_the_state_in_force_is_the_last_begun_at_or_before_the_moment():
    assert MOVED.zone_at(at("2027-03-12T17:59:59.999999")) == "America/Chicago"
    assert MOVED.zone_at(at("2027-03-12T18:00:00")) == "America/Denver"
    assert MOVED.zone_at(at("2027-12-01T00:00:00")) == "America/Denver"


def test_a_moment_before_her_first_state_takes_the_first():
    assert MOVED.zone_at(at("2027-03-01T00:00:00")) == "America/Chicago"
    assert state_index([at("2027-03-10T00:00:00")], at("2026-01-01T00:00:00")) == 0


def test_an_unknown_moment_takes_her_latest_zone():
    assert MOVED.zone_at(None) == "America/Denver"


def test_one_state_needs_no_lookup():
    alone = History.of([state("2027-03-10T15:00:00", "Asia/Kathmandu")])
    assert alone.single
    assert alone.zone_at(at("2000-01-01T00:00:00")) == "Asia/Kathmandu"


def test_program_weeks_turn_over_at_her_midnight_in_the_zone_in_force():
    starts = week_starts(enrolled_at=at("2027-03-10T15:00:00"), history=MOVED, weeks=3)
    # Day 8 and 15 after her enrollment day (10 March in Chicago), at midnight in Denver,
    # which is on daylight time (UTC-6) after 14 March.
    assert starts == [at("2027-03-17T06:00:00"), at("2027-03-24T06:00:00")]
    assert week_at(starts, at("2027-03-17T05:59:59")) == 1
    assert week_at(starts, at("2027-03-17T06:00:00")) == 2
    assert week_at(starts, at("2027-04-30T00:00:00")) == 3


def test_her_enrollment_day_is_counted_where_she_enrolled():
    # 23:30 in Chicago on 10 March is already the 11th in Kathmandu, where she later moved:
    # week 2 still begins on the 17th, at midnight in Kathmandu.
    history = History.of(
        [
            state("2027-03-11T05:30:00", "America/Chicago"),
            state("2027-03-12T00:00:00", "Asia/Kathmandu"),
        ]
    )
    starts = week_starts(enrolled_at=at("2027-03-11T05:30:00"), history=history, weeks=2)
    assert starts == [at("2027-03-16T18:15:00")]


def test_a_move_after_a_turnover_leaves_it_in_the_old_zone():
    history = History.of(
        [
            state("2027-01-04T15:00:00", "America/Chicago"),
            state("2027-01-20T00:00:00", "America/Denver"),
        ]
    )
    starts = week_starts(enrolled_at=at("2027-01-04T15:00:00"), history=history, weeks=4)
    assert starts == [
        at("2027-01-11T06:00:00"),
        at("2027-01-18T06:00:00"),
        at("2027-01-25T07:00:00"),
    ]
