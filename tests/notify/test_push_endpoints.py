"""A phone's push endpoint must be a known push service on the public internet, at every send."""

import socket

import pytest
from sqlmodel import select

from savor.notify import dispatch
from savor.notify.models import PushSubscription
from savor.notify.webpush import neutral_payload
from tests.factories import first_due, make_participant
from tests.notify.push_service import PushService

SUBSCRIBE = "/api/v1/push-subscriptions"
FCM = "https://fcm.googleapis.com/fcm/send/d1a2b3"


def _post(client, session, settings, endpoint: str):
    headers, participant = make_participant(client, session, settings)
    body = PushService.fake_subscription(endpoint)
    return client.post(SUBSCRIBE, headers=headers, json=body), participant


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:8080/push/x",
        "https://10.0.0.1/push/x",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/push/x",
        "https://[::ffff:127.0.0.1]/push/x",
        "https://evil.example.org/push/x",
    ],
)
def test_an_endpoint_outside_the_known_push_services_is_refused(
    client, session, settings, endpoint: str
):
    response, _ = _post(client, session, settings, endpoint)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_subscription"
    assert error["message"].startswith("The push endpoint ")
    assert session.exec(select(PushSubscription)).all() == []


def test_an_endpoint_of_a_known_push_service_is_accepted(client, session, settings):
    response, _ = _post(client, session, settings, FCM)
    assert response.status_code == 201


def test_a_push_host_added_by_the_setting_is_accepted(client, session, settings):
    settings.push_hosts = ("push.example.org",)
    response, _ = _post(client, session, settings, "https://push.example.org/x")
    assert response.status_code == 201


def test_a_push_host_resolving_to_a_private_address_is_not_contacted(
    client, session, settings, sender, monkeypatch: pytest.MonkeyPatch
):
    response, participant = _post(client, session, settings, FCM)
    assert response.status_code == 201
    real_getaddrinfo = socket.getaddrinfo

    def rebound(host, port, *args, **kwargs):
        if host == "fcm.googleapis.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    connects: list[object] = []
    monkeypatch.setattr(socket, "getaddrinfo", rebound)
    monkeypatch.setattr(socket.socket, "connect", lambda sock, address: connects.append(address))
    _, now = first_due(session, participant)

    tally = dispatch.dispatch_due(session=session, worker="w1", send=sender, now=now)

    assert tally.pushed == 0 and connects == []
    device = session.exec(select(PushSubscription)).one()
    session.refresh(device)
    assert device.failures == 1
    result = sender(PushService.fake_subscription(FCM), neutral_payload("prompt", "p", "en"))
    assert result.outcome == "rejected" and "10.0.0.7" in result.reason


def test_a_redirect_from_a_push_service_is_not_followed(push_service, sender):
    browser, elsewhere = push_service.subscribe(), push_service.subscribe()
    push_service.answer(browser, 302, {"Location": elsewhere.endpoint})

    result = sender(browser.to_json(), neutral_payload("prompt", "p", "en"))

    assert (result.outcome, result.status) == ("rejected", 302)
    assert [r.subscription_id for r in push_service.received] == [browser.id]
