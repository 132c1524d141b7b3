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


def test_any_locked_key_locks_the_attempt():
    limiter = FailureLimiter(max_failures=2, window=timedelta(minutes=5))
    limiter.record_failure(["client:a", "guess:x"], now=T0)
    limiter.record_failure(["client:b", "guess:x"], now=T0)
    assert limiter.retry_after(["client:c", "guess:x"], now=T0) is not None
    assert limiter.retry_after(["client:a", "guess:y"], now=T0) is None


def test_the_wait_is_the_longest_of_the_locked_keys():
    limiter = FailureLimiter(max_failures=1, window=timedelta(minutes=5))
    limiter.record_failure("a", now=T0)
    limiter.record_failure("b", now=T0 + timedelta(minutes=2))
    assert limiter.retry_after(["a", "b"], now=T0 + timedelta(minutes=3)) == 241
