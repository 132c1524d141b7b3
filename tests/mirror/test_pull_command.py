"""`savor pull` as a researcher runs it: the token read from a file and never shown."""

import threading

import httpx
from typer.testing import CliRunner

from savor import mirror
from savor.cli import app
from savor.clock import utcnow
from tests.mirror.through import Through

runner = CliRunner()


def _args(live, directory) -> list[str]:
    return [
        "pull",
        "--url",
        live.url,
        "--token-file",
        str(live.token_file),
        "--study",
        "pilot",
        str(directory),
    ]


def test_pull_prints_what_came_and_never_the_token(live, tmp_path):
    live.phone().checkin(stress=3, craving=2)
    result = runner.invoke(app, _args(live, tmp_path / "mirror"))
    assert result.exit_code == 0, result.output
    assert "responses" in result.output and "participants" in result.output
    assert "Removed the rows of 0 participants deleted at their request" in result.output
    assert live.token_file.read_text().strip() not in result.output
    assert "Warning" not in result.output
    assert (tmp_path / "mirror" / "datapackage.json").exists()


def test_a_second_pull_command_on_a_busy_folder_fails_cleanly(live, tmp_path):
    inside, release = threading.Event(), threading.Event()

    def hold(request: httpx.Request) -> None:
        inside.set()
        assert release.wait(30)

    token = live.token_file.read_text().strip()
    first = threading.Thread(
        target=mirror.pull,
        kwargs={
            "url": live.url,
            "token": token,
            "study": "pilot",
            "directory": tmp_path,
            "now": utcnow(),
            "transport": Through(hold),
        },
    )
    first.start()
    assert inside.wait(30)
    try:
        result = runner.invoke(app, _args(live, tmp_path))
    finally:
        release.set()
        first.join(30)
    assert result.exit_code == 1
    assert "Another pull is already running" in result.output
    assert token not in result.output


def test_an_empty_token_file_is_refused_before_anything_is_sent(live, tmp_path):
    live.token_file.write_text("\n")
    result = runner.invoke(app, _args(live, tmp_path / "mirror"))
    assert result.exit_code == 2
    assert "is empty" in result.output


def test_a_token_file_others_can_read_is_warned_about(live, tmp_path):
    live.token_file.chmod(0o644)
    result = runner.invoke(app, _args(live, tmp_path / "mirror"))
    assert result.exit_code == 0, result.output
    assert "can be read by others than you" in result.output
