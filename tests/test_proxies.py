"""Who may name a phone's address: X-Forwarded-For only from the proxies the operator names."""

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from savor.cli import app as cli_app
from savor.config import Settings
from savor.proxies import proxy_trust


def test_without_forwarded_allow_ips_no_proxy_is_trusted():
    for value in (None, "", " "):
        assert proxy_trust(value).uvicorn_options() == {"proxy_headers": False}


def test_named_proxies_are_passed_to_uvicorn():
    trust = proxy_trust("10.0.0.5, 172.18.0.0/16")
    assert trust.uvicorn_options() == {
        "proxy_headers": True,
        "forwarded_allow_ips": "10.0.0.5,172.18.0.0/16",
    }
    assert "10.0.0.5, 172.18.0.0/16" in trust.describe()


def test_any_proxy_is_refused_unless_asked_for():
    with pytest.raises(ValueError, match="--trust-any-proxy"):
        proxy_trust("*")
    assert proxy_trust("*", allow_any=True).uvicorn_options()["forwarded_allow_ips"] == "*"


def test_a_host_name_is_refused_because_it_is_never_looked_up():
    with pytest.raises(ValueError, match="'caddy' is not an IP address"):
        proxy_trust("caddy")


def test_serve_refuses_a_wildcard_before_starting(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("SAVOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    result = CliRunner().invoke(cli_app, ["serve"])
    assert result.exit_code == 2
    assert "FORWARDED_ALLOW_IPS=*" in result.output


def _as_served(app: FastAPI, forwarded_allow_ips: str | None):
    """The app wrapped by uvicorn exactly as `savor serve` configures it."""
    config = uvicorn.Config(
        app, log_config=None, **proxy_trust(forwarded_allow_ips).uvicorn_options()
    )
    config.load()
    return config.loaded_app


def _rotating_guesses(app, peer: str, settings: Settings) -> list[int]:
    """Wrong codes, each with another prefix and another claimed address."""
    client = TestClient(app, client=(peer, 40000))
    statuses = []
    for i in range(settings.enrollment_max_failures + 1):
        body = {"code": f"{i}ZZZ-ZZZZ", "timezone": "UTC", "language": "en", "consent_version": 1}
        headers = {"X-Forwarded-For": f"198.51.100.{i}"}
        statuses.append(client.post("/api/v1/enroll", json=body, headers=headers).status_code)
    return statuses


def test_rotating_forwarded_for_from_loopback_does_not_reset_the_limiter(app, settings):
    statuses = _rotating_guesses(_as_served(app, None), "127.0.0.1", settings)
    assert statuses[-1] == 429


def test_rotating_forwarded_for_from_an_untrusted_peer_does_not_reset_the_limiter(app, settings):
    statuses = _rotating_guesses(_as_served(app, "10.0.0.5"), "203.0.113.7", settings)
    assert statuses[-1] == 429


def test_the_named_proxy_tells_phones_apart(app, settings):
    statuses = _rotating_guesses(_as_served(app, "10.0.0.5"), "10.0.0.5", settings)
    assert set(statuses) == {404}
