"""The first admin made on the command line signs in with her app's code, invites a
coordinator, and the audit names both of them."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from savor.cli import app as cli
from savor.config import Settings
from savor.main import create_app
from tests.research.staff.helpers import BASE, PASSWORD

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SAVOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "data"


def _run(*args: str) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _set_up(client: TestClient, link: str) -> pyotp.TOTP:
    """What she does with her link: scan the QR code into her app, choose a password."""
    token = link.split("#setup=")[1]
    offer = client.post(f"{BASE}/staff/setup/offer", json={"token": token}).json()
    app_on_her_phone = pyotp.parse_uri(offer["otpauth_uri"])
    body = {"token": token, "password": PASSWORD, "totp_code": app_on_her_phone.now()}
    assert client.post(f"{BASE}/staff/setup", json=body).status_code == 200
    return app_on_her_phone


def _sign_in(client: TestClient, email: str, app_on_her_phone: pyotp.TOTP) -> dict[str, str]:
    """Sign in with her app's next code: the one she typed at setup is spent."""
    next_code = app_on_her_phone.at(datetime.now(UTC) + timedelta(seconds=30))
    body = {"email": email, "password": PASSWORD, "totp_code": next_code}
    response = client.post(f"{BASE}/session", json=body)
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def test_first_admin_signs_in_invites_a_coordinator_and_both_are_audited(data_dir):
    _run("db", "upgrade")
    _run("study", "create", "pilot", "--name", "Pilot")
    printed = _run("staff", "create", "Ana@Site.example.org", "--study", "pilot", "--role", "admin")
    assert "ana@site.example.org is admin of pilot." in printed
    link = next(line for line in printed.splitlines() if "#setup=svl_" in line)

    with TestClient(create_app(Settings(scheduler_enabled=False))) as ana:
        ana_app = _set_up(ana, link)
        csrf = _sign_in(ana, "ana@site.example.org", ana_app)
        invite = {"email": "bo@site.example.org", "display_name": "Bo", "role": "coordinator"}
        invited = ana.post(f"{BASE}/studies/pilot/staff", json=invite, headers=csrf)
        assert invited.status_code == 201
        # Her own browser, on the same running server (started once, by ana's client).
        bo = TestClient(ana.app)
        bo_app = _set_up(bo, invited.json()["setup_link"])
        _sign_in(bo, "bo@site.example.org", bo_app)
        codes = bo.post(
            f"{BASE}/studies/pilot/enrollment-codes",
            json={"count": 1},
            headers={"X-CSRF-Token": bo.cookies["savor_csrf"]},
        )
        assert codes.status_code == 201
        bo.close()
        audit = ana.get(f"{BASE}/studies/pilot/audit").json()
    done = {(e["actor"], e["action"], e["detail"].get("role")) for e in audit}
    assert ("cli", "staff.invite", None) in done
    assert ("staff:ana@site.example.org", "staff.sign_in", "admin") in done
    assert ("staff:ana@site.example.org", "staff.invite", "admin") in done
    assert ("staff:bo@site.example.org", "staff.sign_in", "coordinator") in done
    assert ("staff:bo@site.example.org", "codes.create", "coordinator") in done
    assert all(datetime.fromisoformat(e["at"]) <= datetime.now(UTC) for e in audit)


def test_staff_create_for_an_unknown_study_is_refused(data_dir):
    _run("db", "upgrade")
    result = runner.invoke(
        cli, ["staff", "create", "a@b.org", "--study", "nope", "--role", "admin"]
    )
    assert result.exit_code == 1
    assert "No study 'nope'" in result.output


def test_staff_unlock_and_two_factor_on_the_command_line(data_dir):
    _run("db", "upgrade")
    _run("study", "create", "pilot", "--name", "Pilot")
    _run("staff", "create", "a@b.org", "--study", "pilot", "--role", "coordinator")
    assert "a@b.org can sign in again." in _run("staff", "unlock", "a@b.org")
    assert "optional" in _run("staff", "two-factor", "--study", "pilot", "--optional")
