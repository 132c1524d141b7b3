"""Headers, body limits, token guessing and an unreachable database."""

from pathlib import Path

from fastapi.testclient import TestClient

from savor.config import Settings
from savor.db import make_engine
from savor.main import create_app
from tests.conftest import TEST_SECRET
from tests.factories import bearer


def test_pages_carry_a_strict_content_security_policy(client):
    headers = client.get("/").headers
    assert "script-src 'self';" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"].split("style-src")[0]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_api_errors_carry_the_headers_too(client):
    headers = client.get("/api/v1/me").headers
    assert headers["x-frame-options"] == "DENY"


def test_hsts_only_over_https(app):
    with TestClient(app, base_url="https://testserver") as secure:
        assert "strict-transport-security" in secure.get("/healthz").headers
    with TestClient(app) as plain:
        assert "strict-transport-security" not in plain.get("/healthz").headers


def test_cors_is_closed_by_default(client):
    response = client.options(
        "/api/v1/me",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in response.headers


def test_a_declared_oversized_body_is_refused_before_reading(client):
    response = client.post(
        "/api/v1/enroll",
        content=b"x" * (1024 * 1024 + 1),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_a_chunked_oversized_body_is_refused(client):
    def chunks():
        for _ in range(130):
            yield b"x" * 8192

    response = client.post(
        "/api/v1/enroll", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_guessing_tokens_is_refused_for_a_while(client, settings: Settings):
    for _ in range(settings.token_max_failures):
        assert client.get("/api/v1/me", headers=bearer("svp_guess")).status_code == 401
    response = client.get("/api/v1/me", headers=bearer("svp_guess"))
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_unreachable_database_is_a_clear_503(tmp_path: Path):
    settings = Settings(
        data_dir=tmp_path,
        secret_key=TEST_SECRET,
        scheduler_enabled=False,
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'missing' / 'no.db'}",
    )
    with TestClient(create_app(settings, make_engine(settings.resolved_database_url))) as client:
        response = client.get("/api/v1/me", headers=bearer("svp_x"))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"
    assert response.headers["Retry-After"] == "30"
