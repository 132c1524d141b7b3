"""Interactive API docs: off by default; when on, every byte comes from this server."""

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from savor.config import Settings
from savor.main import create_app


@pytest.fixture
def docs_client(settings: Settings, engine) -> TestClient:
    app: FastAPI = create_app(settings.model_copy(update={"api_docs": True}), engine)
    return TestClient(app)


def test_docs_are_off_by_default(client):
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SAVOR_API_DOCS", "true")
    assert Settings(_env_file=None).api_docs is True  # type: ignore[call-arg]


def test_docs_page_keeps_the_strict_policy(docs_client):
    response = docs_client.get("/docs")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp
    assert "http" not in csp  # no other host
    assert "script-src 'self';" in csp
    assert "<script>" not in response.text  # no inline script


def test_every_script_and_style_the_page_names_is_served_here(docs_client):
    page = docs_client.get("/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sorted(sources) == [
        "/docs/init.js",
        "/docs/static/swagger-ui-bundle.js",
        "/docs/static/swagger-ui.css",
    ]
    for source in sources:
        response = docs_client.get(source)
        assert response.status_code == 200, source
        assert len(response.content) > 100
    assert "/openapi.json" in docs_client.get("/docs/init.js").text


def test_only_the_files_the_page_uses_are_served(docs_client):
    assert docs_client.get("/docs/static/index.html").status_code == 404
    assert docs_client.get("/docs/static/..%2Fswagger-ui.css").status_code == 404
