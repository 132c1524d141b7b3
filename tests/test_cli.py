"""The `savor` command on a SQLite data directory, as an operator would use it."""

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from savor.cli import app
from savor.notify.vapid import load_or_create_vapid_keys
from savor.studies.service import default_protocol_source

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SAVOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "data"


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _demo() -> dict:
    return json.loads(_run("demo", "--json"))


def test_demo_prints_url_code_and_token_each_on_its_own_line(data_dir):
    lines = _run("demo").splitlines()
    assert any(line.startswith("App: http://") for line in lines)
    assert any(line.startswith("Enrollment code: ") for line in lines)
    assert any(line.startswith("Research token: svr_") for line in lines)


def test_demo_is_idempotent(data_dir):
    first, second = _demo(), _demo()
    assert first == second
    assert first["study"] == "demo"
    assert len(first["enrollment_codes"]) == 3
    assert "demo" in _run("study", "list")


def test_demo_replaces_a_code_once_it_is_used(data_dir):
    from fastapi.testclient import TestClient

    from savor.config import Settings
    from savor.main import create_app

    info = _demo()
    settings = Settings(scheduler_enabled=False)
    with TestClient(create_app(settings)) as client:
        body = {
            "code": info["enrollment_codes"][0],
            "timezone": "UTC",
            "language": "en",
            "consent_version": 1,
        }
        assert client.post("/api/v1/enroll", json=body).status_code == 201
    again = _demo()
    assert info["enrollment_codes"][0] not in again["enrollment_codes"]
    assert again["enrollment_codes"][:2] == info["enrollment_codes"][1:]
    assert again["research_token"] == info["research_token"]


def test_demo_replaces_a_revoked_token(data_dir):
    info = _demo()
    _run("token", "revoke", info["research_token"])
    assert _demo()["research_token"] != info["research_token"]


def test_study_create_then_list(data_dir):
    _run("db", "upgrade")
    _run("study", "create", "site-a", "--name", "Site A")
    assert "site-a" in _run("study", "list")


def test_creating_a_study_twice_is_refused(data_dir):
    _run("db", "upgrade")
    _run("study", "create", "site-a", "--name", "Site A")
    result = runner.invoke(app, ["study", "create", "site-a", "--name", "Again"])
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_apply_adds_a_version_only_when_the_protocol_changes(data_dir, tmp_path: Path):
    _run("db", "upgrade")
    protocol = tmp_path / "site-b.yaml"
    protocol.write_text(default_protocol_source().replace("study: demo", "study: site-b"))
    assert "now at protocol version 1" in _run("study", "apply", str(protocol))
    assert "unchanged, still at protocol version 1" in _run("study", "apply", str(protocol))
    protocol.write_text(protocol.read_text().replace("per_day: 3", "per_day: 2"))
    assert "now at protocol version 2" in _run("study", "apply", str(protocol))


def test_apply_lists_every_problem(data_dir, tmp_path: Path):
    _run("db", "upgrade")
    protocol = tmp_path / "bad.yaml"
    protocol.write_text(default_protocol_source().replace("weeks: 8", "weeks: 0"))
    result = runner.invoke(app, ["study", "apply", str(protocol)])
    assert result.exit_code == 1
    assert "1 problem(s)" in result.output
    assert "program.weeks" in result.output


def test_apply_refuses_a_practice_that_does_not_exist(data_dir, tmp_path: Path):
    _run("db", "upgrade")
    protocol = tmp_path / "hides.yaml"
    source = default_protocol_source().replace("hidden_practices: []", "hidden_practices: [P42]")
    protocol.write_text(source)
    result = runner.invoke(app, ["study", "apply", str(protocol)])
    assert result.exit_code == 1
    assert "program.hidden_practices: no practice P42" in result.output


def test_codes_create_prints_codes_and_links(data_dir):
    _demo()
    output = json.loads(_run("codes", "create", "demo", "--count", "4", "--json"))
    assert len(output["codes"]) == 4
    assert output["links"][0].endswith(f"/?code={output['codes'][0]}")


def test_codes_for_an_unknown_study_are_refused(data_dir):
    _run("db", "upgrade")
    result = runner.invoke(app, ["codes", "create", "nope"])
    assert result.exit_code == 1
    assert "No study 'nope'" in result.output


def test_token_create_with_scopes_and_list(data_dir):
    _demo()
    output = _run("token", "create", "--study", "demo", "--scopes", "export:read", "--label", "R")
    assert output.startswith("Research token: svr_")
    assert "export:read" in _run("token", "list", "--study", "demo")


def _stored_scopes(token: str) -> set[str]:
    from sqlmodel import Session

    from savor.config import Settings
    from savor.db import make_engine
    from savor.research import service as research_service

    engine = make_engine(Settings().resolved_database_url)
    with Session(engine) as session:
        found = research_service.find_research_token(session=session, token_or_id=token)
        assert found is not None
        scopes = set(found.scopes.split())
    engine.dispose()
    return scopes


def test_token_create_without_scopes_can_only_read(data_dir):
    from fastapi.testclient import TestClient

    from savor.config import Settings
    from savor.main import create_app

    _demo()
    token = _run("token", "create", "--study", "demo").removeprefix("Research token: ").strip()
    assert _stored_scopes(token) == {
        "studies:read",
        "participants:read",
        "export:read",
        "audit:read",
    }
    with TestClient(create_app(Settings(scheduler_enabled=False))) as client:
        response = client.put(
            "/api/research/v1/studies/demo/protocol",
            content=default_protocol_source(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/yaml"},
        )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "missing_scope"


def test_token_create_help_names_the_default(data_dir):
    help_text = " ".join(_run("token", "create", "--help").split())
    assert "default: read-only" in help_text


def test_the_demo_token_keeps_every_scope_but_free_text(data_dir):
    from savor.research.access import TokenScope

    scopes = _stored_scopes(_demo()["research_token"])
    assert scopes == {s.value for s in TokenScope} - {"export:free_text"}


def test_token_create_refuses_an_unknown_scope(data_dir):
    _demo()
    result = runner.invoke(app, ["token", "create", "--study", "demo", "--scopes", "everything"])
    assert result.exit_code == 2
    assert "unknown scope" in result.output


def test_db_current_reports_up_to_date(data_dir):
    _run("db", "upgrade")
    assert "up to date" in _run("db", "current")


def test_backup_is_a_readable_copy(data_dir, tmp_path: Path):
    _demo()
    target = tmp_path / "copy.db"
    _run("db", "backup", "--to", str(target))
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT slug FROM study").fetchall() == [("demo",)]


def test_codes_made_with_the_cli_are_audited(data_dir):
    from sqlmodel import Session, select

    from savor.config import Settings
    from savor.db import make_engine
    from savor.research.models import AuditEvent

    _demo()
    _run("codes", "create", "demo", "--count", "4")
    engine = make_engine(Settings().resolved_database_url)
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "codes.create")).all()
        assert [(e.actor, e.detail) for e in events] == [("cli", {"count": 4})]
    engine.dispose()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_data_directory_and_its_files_are_the_owners_alone(data_dir):
    _demo()
    load_or_create_vapid_keys(data_dir)
    database = data_dir / "savor.db"
    with sqlite3.connect(database) as connection:  # -wal and -shm exist while it is open
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE probe (x)")
        private = ["savor.db", "savor.db-wal", "savor.db-shm", "secret.key", "vapid_private.pem"]
        assert {name: _mode(data_dir / name) for name in private} == dict.fromkeys(private, 0o600)
    assert _mode(data_dir) == 0o700


def test_the_command_leaves_the_callers_umask_as_it_was(data_dir):
    before = os.umask(0o022)
    try:
        _run("db", "upgrade")
        assert os.umask(0o022) == 0o022
    finally:
        os.umask(before)


def test_a_backup_is_the_owners_alone(data_dir, tmp_path: Path):
    _demo()
    target = tmp_path / "copy.db"
    target.write_bytes(b"")
    target.chmod(0o644)
    _run("db", "backup", "--to", str(target))
    _run("db", "backup")
    [default] = (data_dir / "backups").iterdir()
    assert (_mode(target), _mode(default), _mode(data_dir / "backups")) == (0o600, 0o600, 0o700)


def test_a_data_directory_others_can_read_is_reported_and_left_alone(data_dir):
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    output = _run("db", "upgrade")
    assert f"chmod 700 {data_dir.resolve()}" in output
    assert _mode(data_dir) == 0o755


def test_a_database_others_can_read_is_reported(data_dir):
    _demo()
    database = data_dir / "savor.db"
    database.chmod(0o644)
    assert f"chmod 600 {database.resolve()}" in _run("study", "list")
