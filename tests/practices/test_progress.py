"""Program weeks turn over at her own local midnight."""

from datetime import UTC, datetime

from savor.practices import progress

ENROLLED = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 09:00 in Chicago, a Monday


def test_enrollment_day_is_week_one_day_one():
    now = ENROLLED.replace(hour=23)
    assert progress.program_week(enrolled_at=ENROLLED, timezone="America/Chicago", now=now) == 1
    assert progress.program_day(enrolled_at=ENROLLED, timezone="America/Chicago", now=now) == 1


def test_week_two_starts_at_her_midnight_not_utc_midnight():
    # 2026-03-09 05:59 UTC is still Sunday 23:59 in Chicago (CDT began on 03-08).
    before = datetime(2026, 3, 9, 4, 59, tzinfo=UTC)
    after = datetime(2026, 3, 9, 5, 0, tzinfo=UTC)
    assert progress.program_week(enrolled_at=ENROLLED, timezone="America/Chicago", now=before) == 1
    assert progress.program_week(enrolled_at=ENROLLED, timezone="America/Chicago", now=after) == 2


def test_far_east_zone_is_already_in_the_next_week():
    enrolled = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # March 2 in both zones below
    now = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)  # March 9 00:00 in Kiritimati (UTC+14)
    week = progress.program_week
    assert week(enrolled_at=enrolled, timezone="Pacific/Kiritimati", now=now) == 2
    assert week(enrolled_at=enrolled, timezone="America/Chicago", now=now) == 1


def test_clock_before_enrollment_counts_as_week_one():
    earlier = datetime(2026, 3, 1, tzinfo=UTC)
    assert progress.program_week(enrolled_at=ENROLLED, timezone="UTC", now=earlier) == 1
