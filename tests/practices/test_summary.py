"""Her summary numbers on a known fixture."""

from datetime import date

from savor.practices.summary import Rating, SessionFacts, build_summary

DAY1 = date(2026, 3, 2)


def _session(day: int, week: int, seconds: int, pre: dict, post: dict) -> SessionFacts:
    return SessionFacts(
        local_date=date(2026, 3, day), program_week=week, seconds=seconds, pre=pre, post=post
    )


SESSIONS = [
    _session(2, 1, 600, {"S1": 8, "C1": 5, "A1": 2}, {"S1": 4, "C1": 3, "A1": 6}),
    _session(2, 1, 180, {"S1": 6}, {"S1": 5}),
    _session(4, 1, 300, {"S1": 7, "C1": 1}, {}),
    _session(10, 2, 900, {"S1": 5, "A1": 4}, {"S1": 3, "A1": 7}),
    _session(11, 2, 0, {"S1": 9}, {"S1": 9}),  # opened and closed at once: not practice
]


def _summary():
    ratings = [
        Rating(s.local_date, item, value)
        for s in SESSIONS
        if s.seconds
        for item, value in s.pre.items()
    ]
    return build_summary(sessions=SESSIONS, ratings=ratings, first_day=DAY1, week=3)


def test_practice_days_and_minutes_per_week():
    weeks = _summary().weeks
    assert [(w.week, w.practice_days, w.minutes) for w in weeks] == [
        (1, 2, 18),
        (2, 1, 15),
        (3, 0, 0),
    ]
    assert [w.start_date for w in weeks] == [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]


def test_totals_count_only_real_practice():
    summary = _summary()
    assert (summary.practice_days, summary.minutes) == (3, 33)


def test_daily_feelings_average_the_days_ratings():
    first = _summary().daily[0]
    assert first.date == date(2026, 3, 2)
    assert (first.stress, first.craving, first.positive_affect) == (7.0, 5.0, 2.0)


def test_before_after_uses_only_sessions_with_both_ratings():
    stress = _summary().before_after["stress"]
    assert stress.sessions == 3
    assert (stress.before, stress.after, stress.change) == (6.33, 4.0, -2.33)
    affect = _summary().before_after["positive_affect"]
    assert (affect.sessions, affect.change) == (2, 3.5)


def test_nothing_yet_gives_empty_not_failing_numbers():
    summary = build_summary(sessions=[], ratings=[], first_day=DAY1, week=1)
    assert summary.weeks[0].practice_days == 0
    assert summary.before_after["craving"].before is None
    assert summary.daily == []
