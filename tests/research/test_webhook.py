"""Staff alerts posted to the study's webhook: signed, minimal, retried until delivered."""

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from savor.clock import utcnow
from savor.ema.alerts import StaffAlert
from savor.guarded_http import GuardedTransport
from savor.outbound import Policy
from savor.research import webhook
from savor.research.models import WebhookDelivery
from savor.studies.pseudonym import pseudonym
from tests.factories import bearer, make_research_token, make_study
from tests.research import fixture

BASE = "/api/research/v1/studies/pilot"
URL = "https://alerts.example.org/savor"


class Receiver:
    """Stands in for the study's server: records each post and answers with `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))


def _set(client, session, study: fixture.Fixture) -> str:
    token = make_research_token(session, study.study)
    response = client.put(f"{BASE}/webhook", json={"url": URL}, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()["secret"]


def _alert(session, study: fixture.Fixture, at=None) -> StaffAlert:
    alert = StaffAlert(
        participant_id=study.ana.id,
        response_id=study.answered.id,
        items=["C1"],
        created_at=at or utcnow(),
    )
    session.add(alert)
    session.commit()
    session.refresh(alert)
    return alert


def test_the_secret_is_shown_once(client, session, study):
    secret = _set(client, session, study)
    token = make_research_token(session, study.study)
    shown = client.get(f"{BASE}/webhook", headers=bearer(token)).json()
    assert secret.startswith("whsec_")
    assert shown["url"] == URL and shown["secret"] is None


def test_an_alert_is_posted_signed_with_only_pseudonym_rule_and_time(client, session, study):
    secret = _set(client, session, study)
    alert = _alert(session, study)
    receiver = Receiver()
    now = utcnow()
    with receiver.client() as http:
        assert webhook.deliver_alerts(session=session, client=http, now=now) == 1
    [request] = receiver.requests
    body = request.content
    assert json.loads(body) == {
        "pseudonym": pseudonym(study_secret=study.study.secret, participant_id=study.ana.id),
        "rule": "crisis_threshold",
        "at": alert.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    stamp = request.headers["Savor-Timestamp"]
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    assert request.headers["Savor-Signature"] == "sha256=" + expected.hexdigest()
    assert request.headers["Savor-Study"] == "pilot"


def test_a_delivered_alert_is_not_posted_again(client, session, study):
    _set(client, session, study)
    _alert(session, study)
    receiver = Receiver()
    with receiver.client() as http:
        webhook.deliver_alerts(session=session, client=http, now=utcnow())
        webhook.deliver_alerts(session=session, client=http, now=utcnow() + timedelta(hours=1))
    assert len(receiver.requests) == 1


def test_a_failed_post_is_retried_after_its_backoff(client, session, study):
    _set(client, session, study)
    _alert(session, study)
    failing, now = Receiver(status=503), utcnow()
    with failing.client() as http:
        assert webhook.deliver_alerts(session=session, client=http, now=now) == 0
        webhook.deliver_alerts(session=session, client=http, now=now + timedelta(seconds=30))
    assert len(failing.requests) == 1
    working = Receiver()
    with working.client() as http:
        later = now + timedelta(minutes=3)
        assert webhook.deliver_alerts(session=session, client=http, now=later) == 1


def test_alerts_from_before_the_webhook_was_set_are_not_posted(client, session, study):
    _alert(session, study, at=utcnow() - timedelta(days=1))
    _set(client, session, study)
    receiver = Receiver()
    with receiver.client() as http:
        assert webhook.deliver_alerts(session=session, client=http, now=utcnow()) == 0
    assert receiver.requests == []


def test_a_study_without_a_webhook_posts_nothing(session, study):
    _alert(session, study)
    receiver = Receiver()
    with receiver.client() as http:
        assert webhook.deliver_alerts(session=session, client=http, now=utcnow()) == 0
    assert receiver.requests == []


def test_removing_the_webhook_stops_the_posts(client, session, study):
    _set(client, session, study)
    token = make_research_token(session, study.study)
    assert client.delete(f"{BASE}/webhook", headers=bearer(token)).status_code == 204
    _alert(session, study)
    receiver = Receiver()
    with receiver.client() as http:
        webhook.deliver_alerts(session=session, client=http, now=utcnow())
    assert receiver.requests == []
    assert client.get(f"{BASE}/webhook", headers=bearer(token)).status_code == 404


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://alerts.example.org/savor", "must use https"),
        ("https://[broken/savor", "is not a well-formed URL"),
        ("https:///no-host", "must be an https URL with a host"),
        ("http://localhost:8080/hook", "is this machine"),
        ("https://[::1]:8443/hook", "is this machine"),
        ("https://[::ffff:127.0.0.1]/hook", "is this machine"),
        ("https://127.0.0.1/hook", "is this machine"),
        ("https://10.0.0.1/hook", "is a private, link-local or reserved address"),
        ("https://169.254.169.254/latest", "is a private, link-local or reserved address"),
    ],
)
def test_a_webhook_address_that_cannot_safely_receive_alerts_is_refused(
    client, session, url: str, problem: str
):
    study = make_study(session)
    token = make_research_token(session, study)
    response = client.put(
        f"/api/research/v1/studies/{study.slug}/webhook", json={"url": url}, headers=bearer(token)
    )
    assert response.status_code == 422
    assert problem in response.json()["error"]["message"]


def test_a_webhook_host_resolving_to_a_private_address_is_not_posted_to(
    client, session, study, monkeypatch: pytest.MonkeyPatch
):
    _set(client, session, study)
    alert = _alert(session, study)
    real_getaddrinfo = socket.getaddrinfo

    def rebound(host, port, *args, **kwargs):
        if host == "alerts.example.org":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebound)
    receiver = Receiver()
    transport = GuardedTransport(Policy(), httpx.MockTransport(receiver))
    with httpx.Client(transport=transport) as http:
        assert webhook.deliver_alerts(session=session, client=http, now=utcnow()) == 0
    assert receiver.requests == []
    delivery = session.get_one(WebhookDelivery, alert.id)
    session.refresh(delivery)
    assert delivery.delivered_at is None
    assert "not contacted" in (delivery.last_error or "")


class _Redirecting(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.server.paths.append(self.path)  # type: ignore[attr-defined]
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(302 if self.path == "/hook" else 200)
        self.send_header("Location", "/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def webhook_server() -> Iterator[ThreadingHTTPServer]:
    """A study's receiver on this machine that answers /hook with a redirect to /elsewhere."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirecting)
    server.paths = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_redirect_from_the_webhook_is_not_followed(
    client, session, settings, study, webhook_server
):
    token = make_research_token(session, study.study)
    url = f"http://127.0.0.1:{webhook_server.server_address[1]}/hook"
    response = client.put(f"{BASE}/webhook", json={"url": url}, headers=bearer(token))
    assert response.status_code == 200, response.text
    alert = _alert(session, study)
    with webhook.client(settings.outbound_policy) as http:
        assert http.follow_redirects is False
        assert webhook.deliver_alerts(session=session, client=http, now=utcnow()) == 0
    assert webhook_server.paths == ["/hook"]  # type: ignore[attr-defined]
    assert session.get_one(WebhookDelivery, alert.id).last_error == "HTTP 302"
