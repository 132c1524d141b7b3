"""`savor export` writes the same bytes as the research API, and is audited."""

from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from savor.cli import app as cli
from savor.research.models import AuditEvent
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_research_token
from tests.research import fixture

runner = CliRunner()


@pytest.fixture
def cli_env(settings, vapid_private_key, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAVOR_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("SAVOR_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SAVOR_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("SAVOR_VAPID_PRIVATE_KEY", vapid_private_key)


@pytest.mark.parametrize(
    ("dataset", "options", "params"),
    [
        ("responses", [], {}),
        (
            "responses",
            ["--format", "ndjson", "--shape", "wide"],
            {"format": "ndjson", "shape": "wide"},
        ),
        ("responses", ["--format", "fhir"], {"format": "fhir"}),
        ("practice_sessions", [], {}),
    ],
)
def test_cli_writes_the_bytes_the_api_sends(
    client, session, cli_env, tmp_path: Path, dataset, options, params
):
    f = fixture.build(session)
    token = make_research_token(session, f.study)
    api = client.get(
        f"/api/research/v1/studies/pilot/export/{dataset}", params=params, headers=bearer(token)
    )
    out = tmp_path / "export.out"
    result = runner.invoke(cli, ["export", "pilot", dataset, "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == api.content
    assert "Next time use --since" in result.output


def test_cli_export_is_audited_as_the_command_line(session, cli_env, tmp_path: Path):
    fixture.build(session)
    result = runner.invoke(cli, ["export", "pilot", "participants", "--out", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    session.expire_all()
    events = session.exec(select(AuditEvent).where(AuditEvent.actor == "cli")).all()
    assert {e.action for e in events} == {"export.read", "export.completed"}


def test_cli_refuses_an_unknown_dataset(session, cli_env, tmp_path: Path):
    fixture.build(session)
    result = runner.invoke(cli, ["export", "pilot", "everything", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "not one of" in result.output
