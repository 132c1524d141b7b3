"""Health, readiness and the one error shape."""

from pathlib import Path

from fastapi.testclient import TestClient

from savor.config import Settings
from savor.db import make_engine
from savor.main import create_app
from tests.conftest import TEST_SECRET


def test_healthz_answers(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_database_at_head(client, engine):
    body = client.get("/readyz").json()
    assert body["status"] == "ready"
    assert body["database"] == engine.dialect.name


def test_readyz_is_unavailable_when_migrations_are_pending(tmp_path: Path):
    settings = Settings(
        data_dir=tmp_path, secret_key=TEST_SECRET, scheduler_enabled=False, _env_file=None
    )
    with TestClient(create_app(settings, make_engine(settings.resolved_database_url))) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "migrations_pending"


def test_readyz_tells_operators_what_to_check_when_the_database_is_unreachable(tmp_path: Path):
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'missing' / 'savor.db'}",
        secret_key=TEST_SECRET,
        scheduler_enabled=False,
        _env_file=None,
    )
    with TestClient(create_app(settings, make_engine(settings.resolved_database_url))) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    error = response.json()["error"]
    assert error["code"] == "database_unavailable"
    assert "SAVOR_DATABASE_URL" in error["message"]


def test_unknown_api_route_uses_the_error_shape(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not Found"}}


def test_malformed_json_gets_a_readable_422(client):
    response = client.post(
        "/api/v1/enroll", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


def test_app_shell_is_served_at_root(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "<title>Savor</title>" in response.text


def test_scheduler_starts_and_stops_with_the_app(settings: Settings, engine):
    enabled = settings.model_copy(update={"scheduler_enabled": True})
    app = create_app(enabled, engine)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200


def test_requests_are_logged_as_json_without_client_addresses(client, caplog):
    import json
    import logging

    from savor.logs import JsonFormatter

    with caplog.at_level(logging.INFO, logger="savor.request"):
        client.get("/healthz")
    [record] = [r for r in caplog.records if r.name == "savor.request"]
    line = json.loads(JsonFormatter().format(record))
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert "testclient" not in json.dumps(line)
