"""The failure window that slows down code guessing."""

from datetime import UTC, datetime, timedelta

from savor.ratelimit import FailureLimiter

T0 = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)


def test_allows_until_the_limit_then_names_the_wait():
    limiter = FailureLimiter(max_failures=3, window=timedelta(minutes=5))
    for i in range(3):
        assert limiter.retry_after("a", now=T0) is None
        limiter.record_failure("a", now=T0 + timedelta(seconds=i))
    assert limiter.retry_after("a", now=T0 + timedelta(seconds=10)) == 291


def test_failures_age_out_of_the_window():
    limiter = FailureLimiter(max_failures=1, window=timedelta(minutes=5))
    limiter.record_failure("a", now=T0)
    assert limiter.retry_after("a", now=T0 + timedelta(minutes=5)) is None


def test_clients_are_counted_apart():
    limiter = FailureLimiter(max_failures=1, window=timedelta(minutes=5))
    limiter.record_failure("a", now=T0)
    assert limiter.retry_after("b", now=T0) is None


def test_prune_forgets_clients_with_no_recent_failures():
    limiter = FailureLimiter(max_failures=1, window=timedelta(minutes=5))
    limiter.record_failure("a", now=T0)
    limiter.prune(now=T0 + timedelta(hours=1))
    assert limiter._failures == {}
