"""Where the service may send data: the URL check, the address check, and pinned connections."""

import socket

import httpx
import pytest

from savor.config import Settings
from savor.guarded_http import GuardedSession, GuardedTransport
from savor.outbound import Policy, Refused, address_problem, push_endpoint_problem, webhook_problem

STRICT = Policy()
LOOPBACK = Policy(allow_loopback=True)
REFUSED_EVERYWHERE = [
    "http://127.0.0.1:9/push",
    "https://127.0.0.1/push",
    "https://127.1/push",
    "https://2130706433/push",
    "https://localhost/push",
    "https://10.0.0.1/push",
    "https://172.16.5.4/push",
    "https://192.168.1.1/push",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]:8443/push",
    "https://[::ffff:127.0.0.1]/push",
    "https://[::ffff:10.0.0.1]/push",
    "https://[64:ff9b::a9fe:a9fe]/push",
    "https://[2002:7f00:1::]/push",
    "https://[fe80::1]/push",
    "https://[fc00::1]/push",
    "https://0.0.0.0/push",
    "https://224.0.0.1/push",
    "https://100.64.0.1/push",
]


def fake_resolver(address: str):
    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        kind = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(kind, socket.SOCK_STREAM, 6, "", (address, port))]

    return getaddrinfo


@pytest.mark.parametrize("url", REFUSED_EVERYWHERE)
def test_private_loopback_and_reserved_addresses_are_refused(url: str) -> None:
    assert push_endpoint_problem(url, STRICT) is not None
    assert webhook_problem(url, STRICT) is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/abc",
        "https://web.push.apple.com/QGx",
        "https://wns2-by3p.notify.windows.com/w/?token=abc",
    ],
)
def test_the_known_push_services_are_accepted(url: str) -> None:
    assert push_endpoint_problem(url, STRICT) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.org/push",
        "http://fcm.googleapis.com/x",
        "https://apple.com.evil.org/x",
    ],
)
def test_other_push_endpoints_are_refused_naming_the_known_services(url: str) -> None:
    problem = push_endpoint_problem(url, STRICT)
    assert problem is not None
    assert problem.startswith("The push endpoint must be an https address of a known push")
    assert "fcm.googleapis.com" in problem and "SAVOR_PUSH_HOSTS" in problem


def test_a_setting_adds_push_hosts() -> None:
    settings = Settings(push_hosts="push.example.org,*.push.example.net", _env_file=None)  # type: ignore[call-arg]
    policy = settings.outbound_policy
    assert push_endpoint_problem("https://push.example.org/x", policy) is None
    assert push_endpoint_problem("https://eu.push.example.net/x", policy) is None
    assert push_endpoint_problem("https://push.example.com/x", policy) is not None


def test_a_malformed_push_host_setting_stops_the_start() -> None:
    with pytest.raises(ValueError, match="SAVOR_PUSH_HOSTS"):
        Settings(push_hosts="https://push.example.org", _env_file=None)  # type: ignore[call-arg]


def test_a_webhook_may_be_any_public_https_host() -> None:
    assert webhook_problem("https://alerts.example.org/savor", STRICT) is None
    assert webhook_problem("https://93.184.216.34/savor", STRICT) is None
    assert webhook_problem("http://alerts.example.org/savor", STRICT) == (
        "The webhook URL must use https"
    )


def test_loopback_allowed_lets_this_machine_in_but_not_the_private_network() -> None:
    assert push_endpoint_problem("http://127.0.0.1:8080/push", LOOPBACK) is None
    assert webhook_problem("http://localhost:8080/hook", LOOPBACK) is None
    assert webhook_problem("https://[::1]/hook", LOOPBACK) is None
    assert webhook_problem("https://10.0.0.1/hook", LOOPBACK) is not None
    assert address_problem("169.254.169.254", LOOPBACK) is not None


def test_loopback_is_off_unless_set() -> None:
    assert Settings(_env_file=None).outbound_allow_loopback is False  # type: ignore[call-arg]


def test_a_push_host_resolving_to_a_private_address_is_not_connected_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", fake_resolver("10.1.2.3"))
    connects: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda sock, address: connects.append(address))
    with GuardedSession(STRICT) as session, pytest.raises(Refused, match=r"10\.1\.2\.3"):
        session.post("https://fcm.googleapis.com/fcm/send/abc", data=b"x", timeout=1)
    assert connects == []


def test_a_webhook_post_goes_to_the_checked_address_under_its_own_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", fake_resolver("93.184.216.34"))
    seen: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    transport = GuardedTransport(STRICT, httpx.MockTransport(receive))
    with httpx.Client(transport=transport) as client:
        client.post("https://alerts.example.org/savor", content=b"{}")
    [request] = seen
    assert request.url.host == "93.184.216.34"
    assert request.headers["Host"] == "alerts.example.org"
    assert request.extensions["sni_hostname"] == "alerts.example.org"


def test_a_webhook_host_resolving_to_a_private_address_is_not_posted_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", fake_resolver("::ffff:169.254.169.254"))
    seen: list[httpx.Request] = []
    transport = GuardedTransport(STRICT, httpx.MockTransport(seen.append))  # type: ignore[arg-type]
    with httpx.Client(transport=transport) as client, pytest.raises(Refused):
        client.post("https://alerts.example.org/savor", content=b"{}")
    assert seen == []


def test_a_webhook_host_that_does_not_resolve_is_a_connection_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unknown(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    transport = GuardedTransport(STRICT, httpx.MockTransport(lambda request: httpx.Response(204)))
    with httpx.Client(transport=transport) as client, pytest.raises(httpx.ConnectError):
        client.post("https://alerts.example.org/savor", content=b"{}")
