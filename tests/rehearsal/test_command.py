"""The `savor rehearse` command: what it prints, writes and refuses."""

from pathlib import Path

from typer.testing import CliRunner

from savor.cli import app
from tests.rehearsal.test_rehearse import PROTOCOL

runner = CliRunner()


def test_rehearse_over_http_writes_the_report_and_says_the_invariants_hold(
    tmp_path: Path,
) -> None:
    out = tmp_path / "rehearsal"
    args = [str(PROTOCOL), "--participants", "2", "--weeks", "1", "--out", str(out), "--http"]

    result = runner.invoke(app, ["rehearse", *args])

    assert result.exit_code == 0, result.output
    assert "All invariants hold." in result.output
    assert (out / "report.html").is_file() and (out / "exports/prompts.ndjson").is_file()


def test_rehearse_refuses_a_directory_with_files_in_it(tmp_path: Path) -> None:
    (tmp_path / "old.csv").write_text("a\n")

    result = runner.invoke(app, ["rehearse", str(PROTOCOL), "--out", str(tmp_path)])

    assert result.exit_code == 1
    assert "not empty" in result.output


def test_rehearse_names_an_unknown_model_parameter(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text("answer_chance: 0.5\n")
    args = [str(PROTOCOL), "--model", str(model), "--out", str(tmp_path / "out")]

    result = runner.invoke(app, ["rehearse", *args])

    assert result.exit_code == 1
    assert "answer_chance" in result.output
