"""Each unanswered prompt is counted by how far it got on its way to her."""

from datetime import UTC, datetime, timedelta

from savor.ema.compliance import PromptFate, compliance

DUE = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
NOW = DUE + timedelta(days=1)


def _expired(**seen) -> PromptFate:
    return PromptFate(
        status="expired",
        scheduled_at=DUE,
        sent_at=DUE,
        completed_at=None,
        answered_late=False,
        **seen,
    )


def test_each_expired_prompt_is_split_by_the_furthest_it_got():
    at = DUE + timedelta(seconds=30)
    fates = [
        _expired(pushed=0),
        _expired(pushed=1),
        _expired(pushed=1),
        _expired(pushed=1, delivered_at=at, shown_at=at),
        _expired(pushed=1, delivered_at=at, clicked_at=at, opened_at=at),
    ]
    result = compliance(fates, now=NOW)
    assert result.expired == 5
    assert result.unanswered.model_dump() == {
        "never_sent": 1,
        "not_delivered": 2,
        "not_opened": 1,
        "not_completed": 1,
    }
    assert result.delivered == 2


def test_an_opening_without_a_receipt_counts_as_delivered():
    # An older app sends no receipts; she still opened the check-in, so it reached her.
    result = compliance([_expired(pushed=1, opened_at=DUE)], now=NOW)
    assert result.unanswered.not_completed == 1


def test_median_time_from_due_to_delivered():
    fates = [_expired(pushed=1, delivered_at=DUE + timedelta(seconds=s)) for s in (2, 4, 600)]
    fates.append(_expired(pushed=1))
    assert compliance(fates, now=NOW).median_delivery_seconds == 4.0
