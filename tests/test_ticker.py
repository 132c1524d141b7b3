"""The ticker collects every domain's jobs; planning ticks in a lane of its own."""

from savor.jobs import runs_in_own_lane
from savor.ticker import scheduled_jobs


def test_the_ticker_runs_each_domains_jobs_in_order(client):
    jobs = scheduled_jobs(client.app)
    assert [job.__name__ for job in jobs] == [
        "prune_enroll_failures",
        "decide_probes",  # a probe's decision is committed before its offer can be pushed
        "send_due",
        "note_seen_devices",
        "expire",
        "plan_ahead",
        "deliver_webhooks",
    ]
    assert [job.__name__ for job in jobs if runs_in_own_lane(job)] == ["plan_ahead"]
