"""Why a participant is flagged: decided in one function, from facts alone."""

from datetime import timedelta

from savor.clock import utcnow
from savor.research.console.flags import Facts, flags_of, next_wave

NOW = utcnow()


def _facts(**changes) -> Facts:
    base = dict(
        active=True,
        enrolled_at=NOW - timedelta(days=10),
        notifications="ok",
        notifications_reason=None,
        last_checkin_at=NOW - timedelta(hours=5),
    )
    return Facts(**(base | changes))


def test_a_participant_who_checks_in_and_gets_notifications_is_not_flagged():
    assert flags_of(_facts(), now=NOW) == []


def test_failing_notifications_are_flagged_with_the_reason():
    flags = flags_of(_facts(notifications="failing", notifications_reason="push_refused"), now=NOW)
    assert [f.code for f in flags] == ["notifications_failing"]
    assert "refused its last 3" in flags[0].reason


def test_three_quiet_days_are_flagged_but_not_in_her_first_three():
    quiet = _facts(last_checkin_at=NOW - timedelta(days=4))
    assert [f.code for f in flags_of(quiet, now=NOW)] == ["no_checkin_3_days"]
    new = _facts(enrolled_at=NOW - timedelta(days=2), last_checkin_at=None)
    assert flags_of(new, now=NOW) == []


def test_a_withdrawn_participant_is_never_flagged():
    gone = _facts(active=False, notifications="failing", last_checkin_at=None)
    assert flags_of(gone, now=NOW) == []


def test_a_wave_missed_in_the_last_two_weeks_is_flagged():
    missed = _facts(missed_wave=("week4", NOW - timedelta(days=2)))
    flags = flags_of(missed, now=NOW)
    assert [f.code for f in flags] == ["missed_wave"]
    assert "'week4'" in flags[0].reason
    old = _facts(missed_wave=("baseline", NOW - timedelta(days=20)))
    assert flags_of(old, now=NOW) == []


def test_her_next_wave_is_the_day_it_opens():
    assert (
        next_wave(_facts(next_wave_at=NOW + timedelta(days=3))) == (NOW + timedelta(days=3)).date()
    )
    assert next_wave(_facts()) is None


def test_a_consent_she_has_not_renewed_is_flagged():
    [flag] = flags_of(_facts(consent_needed=True), now=NOW)
    assert flag.code == "not_reconsented" and "new consent" in flag.reason
