"""Notifications that never reach her phone are flagged, not mistaken for her ignoring them."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from savor.notify import dispatch
from savor.notify.health import notification_health
from savor.notify.models import PushSubscription
from savor.studies import service as studies_service
from tests.factories import bearer, make_participant, make_research_token, prompts_of


def _subscribe(client, headers, push_service, **device):
    body = push_service.subscribe().to_json() | device
    response = client.post("/api/v1/push-subscriptions", headers=headers, json=body)
    assert response.status_code == 201


def _push_first(session, participant, sender, count: int):
    """Dispatch her first `count` prompts, each when it falls due; returns them."""
    pushed = prompts_of(session, participant)[:count]
    for prompt in pushed:
        now = prompt.scheduled_at + timedelta(seconds=1)
        dispatch.dispatch_due(session=session, worker="w1", send=sender, now=now)
    return prompts_of(session, participant)[:count]


def _health(session, participant, now):
    return notification_health(session=session, participant_ids=[participant.id], now=now)[
        participant.id
    ]


def test_a_device_that_never_acknowledges_fails_after_three_pushes(
    client, session, settings, push_service, sender
):
    headers, participant = make_participant(client, session, settings)
    _subscribe(client, headers, push_service)
    # Judged once every window has closed: an end-of-day diary stays open past the next
    # morning's first prompt, so the last one pushed is not always the last one to close.
    two = _push_first(session, participant, sender, 2)
    assert _health(session, participant, max(p.expires_at for p in two)).notifications == "ok"
    three = _push_first(session, participant, sender, 3)
    assert [p.pushed for p in three] == [1, 1, 1]
    health = _health(session, participant, max(p.expires_at for p in three))
    assert (health.notifications, health.reason) == ("failing", "no_receipts")


def test_one_receipt_clears_the_flag(client, session, settings, push_service, sender):
    headers, participant = make_participant(client, session, settings)
    _subscribe(client, headers, push_service)
    pushed = _push_first(session, participant, sender, 4)
    now = max(p.expires_at for p in pushed[:3])
    assert _health(session, participant, now).notifications == "failing"
    at = (pushed[3].scheduled_at + timedelta(seconds=3)).astimezone(UTC).isoformat()
    body = {"event": "delivered", "at": at}
    response = client.post(f"/api/v1/prompts/{pushed[3].id}/receipts", headers=headers, json=body)
    assert response.status_code == 201
    assert _health(session, participant, now).notifications == "ok"


def test_her_devices_health_is_recorded_from_the_endpoint_and_the_app(
    client, session, settings, push_service
):
    headers, _ = make_participant(client, session, settings)
    device = {"installed": True, "permission": "granted", "app_version": "2026.12.1"}
    _subscribe(client, headers, push_service, **device)
    [row] = session.exec(select(PushSubscription)).all()
    assert (row.platform, row.installed, row.permission, row.app_version) == (
        "other",
        True,
        "granted",
        "2026.12.1",
    )
    assert row.last_seen_at is not None


def test_without_a_device_the_research_list_flags_her(client, session, settings):
    make_participant(client, session, settings)
    study = studies_service.get_study(session=session, slug="pilot")
    token = make_research_token(session, study)
    url = "/api/research/v1/studies/pilot/participants"
    [row] = client.get(url, headers=bearer(token)).json()
    assert (row["notifications"], row["notifications_reason"]) == ("failing", "no_device")
    report = client.get("/api/research/v1/studies/pilot/compliance", headers=bearer(token)).json()
    assert report["notifications_failing"] == 1


def test_her_device_is_seen_at_most_once_an_hour_and_only_by_the_ticker(
    client, app, session, settings, push_service
):
    headers, _ = make_participant(client, session, settings)
    _subscribe(client, headers, push_service)
    device = session.exec(select(PushSubscription)).one()
    device.last_seen_at = datetime(2026, 1, 1, tzinfo=UTC)
    session.add(device)
    session.commit()
    seen = app.state.seen_devices
    assert client.get("/api/v1/prompts", headers=headers).status_code == 200
    assert client.get("/api/v1/prompts", headers=headers).status_code == 200
    session.refresh(device)
    assert device.last_seen_at == datetime(2026, 1, 1, tzinfo=UTC)  # nothing on the request
    now = datetime.now(UTC)
    assert seen.flush(session=session, now=now) == 1
    assert seen.flush(session=session, now=now) == 0  # noted once for the hour
    session.refresh(device)
    assert device.last_seen_at == now


def test_she_can_see_whether_her_notifications_reach_her(client, session, settings, push_service):
    headers, _ = make_participant(client, session, settings)
    before = client.get("/api/v1/push/health", headers=headers).json()
    assert before == {"notifications": "failing", "reason": "no_device", "devices": []}
    _subscribe(client, headers, push_service)
    after = client.get("/api/v1/push/health", headers=headers).json()
    assert (after["notifications"], after["reason"]) == ("ok", None)


def test_every_device_refusing_three_pushes_in_a_row_is_failing(
    client, session, settings, push_service
):
    headers, participant = make_participant(client, session, settings)
    _subscribe(client, headers, push_service)
    device = session.exec(select(PushSubscription)).one()
    now = datetime.now(UTC)
    for failures, expected in ((2, "ok"), (3, "failing")):
        device.failures = failures
        session.add(device)
        session.commit()
        health = _health(session, participant, now)
        assert health.notifications == expected
    assert health.reason == "push_refused"


def test_researchers_see_her_devices_health_and_nothing_that_names_the_device(
    client, session, settings, push_service
):
    headers, _ = make_participant(client, session, settings)
    device = {"installed": False, "permission": "granted", "app_version": "abc123"}
    _subscribe(client, headers, push_service, **device)
    token = make_research_token(session, studies_service.get_study(session=session, slug="pilot"))
    url = "/api/research/v1/studies/pilot/participants"
    [row] = client.get(url, headers=bearer(token)).json()
    [seen] = row["devices"]
    assert set(seen) == {
        "platform",
        "installed",
        "permission",
        "app_version",
        "last_seen_at",
        "last_success_at",
        "failures",
    }
    assert (seen["platform"], seen["installed"], seen["app_version"]) == ("other", False, "abc123")


def test_after_she_withdraws_her_notifications_are_stopped_not_failing(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    assert client.post("/api/v1/me/withdraw", headers=headers).status_code == 200
    token = make_research_token(session, studies_service.get_study(session=session, slug="pilot"))
    url = "/api/research/v1/studies/pilot/participants"
    [row] = client.get(url, headers=bearer(token)).json()
    assert (row["notifications"], row["notifications_reason"]) == ("stopped", None)
    report = client.get("/api/research/v1/studies/pilot/compliance", headers=bearer(token)).json()
    assert report["notifications_failing"] == 0
