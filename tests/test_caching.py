"""What a browser may keep: nothing from the API, the app's versioned files for a year."""

import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.staticfiles import StaticFiles

from savor.caching import CachingMiddleware
from tests.factories import make_participant

PWA = Path(__file__).resolve().parents[1] / "pwa"


def _short_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


@pytest.fixture
def shell(tmp_path: Path) -> Path:
    (tmp_path / "js").mkdir()
    (tmp_path / "icons").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Savor</title>")
    (tmp_path / "sw.js").write_text("// worker")
    (tmp_path / "app.js").write_text("console.log('one');")
    (tmp_path / "js" / "main.js").write_text("console.log('a module app.js bundles');")
    (tmp_path / "icons" / "icon.png").write_bytes(b"\x89PNG")
    return tmp_path


@pytest.fixture
def static(shell: Path) -> TestClient:
    app = Starlette()
    app.mount("/", StaticFiles(directory=shell, html=True))
    return TestClient(CachingMiddleware(app, pwa_dir=shell))


def test_participant_answers_are_never_stored_by_the_browser(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    for path in ("/api/v1/me", "/api/v1/me/summary", "/api/v1/prompts", "/api/v1/help"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
    assert client.get("/api/v1/me").headers["cache-control"] == "no-store"  # a 401 too


def test_the_manifest_lists_every_shipped_file_with_its_hash(static, shell):
    manifest = static.get("/version.json")
    assert manifest.headers["cache-control"] == "no-cache"
    files = manifest.json()["files"]
    assert files == {
        "/icons/icon.png": _short_hash(b"\x89PNG"),
        "/index.html": _short_hash(b"<!doctype html><title>Savor</title>"),
        "/app.js": _short_hash(b"console.log('one');"),
    }  # not sw.js, nor the module sources under js/ that app.js bundles


def test_changing_any_file_makes_a_new_version(static, shell):
    before = static.get("/version.json").json()
    (shell / "app.js").write_text("console.log('two');")
    after = static.get("/version.json").json()
    assert after["version"] != before["version"]
    assert after["files"]["/app.js"] == _short_hash(b"console.log('two');")


def test_a_file_asked_for_by_its_hash_is_kept_for_a_year(static, shell):
    digest = static.get("/version.json").json()["files"]["/app.js"]
    response = static.get(f"/app.js?v={digest}")
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.text == "console.log('one');"


def test_a_stale_hash_is_not_kept_under_an_address_that_names_other_content(static, shell):
    digest = static.get("/version.json").json()["files"]["/app.js"]
    (shell / "app.js").write_text("console.log('two');")
    assert static.get(f"/app.js?v={digest}").headers["cache-control"] == "no-store"


def test_pages_the_worker_and_plain_files_are_revalidated(static):
    for path in ("/", "/index.html", "/sw.js", "/app.js"):
        assert static.get(path).headers["cache-control"] == "no-cache", path
    assert static.get("/icons/icon.png").headers["cache-control"] == "public, max-age=604800"
    assert static.get("/nothing-here.js").headers["cache-control"] == "no-store"


def test_the_real_app_ships_a_manifest_of_its_files(client):
    files = client.get("/version.json").json()["files"]
    shipped = {
        "/" + path.relative_to(PWA).as_posix()
        for path in PWA.rglob("*")
        if path.is_file() and path.name != "sw.js" and not path.is_relative_to(PWA / "js")
    }
    assert set(files) == shipped
    assert "/app.js" in files
    assert client.get("/sw.js").headers["cache-control"] == "no-cache"


def test_the_modules_the_bundle_is_built_from_are_not_served(client):
    assert client.get("/app.js").status_code == 200
    for path in ("/js/main.js", "/js/views/home.js", "/js/", "/js/../js/api.js"):
        assert client.get(path).status_code == 404, path
