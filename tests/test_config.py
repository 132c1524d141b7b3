"""Settings: safe defaults, fast failure on unsafe values, secret created once."""

import secrets
import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from pydantic import ValidationError

from savor.config import Settings
from savor.filemodes import create_once


def _settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


def test_default_database_is_sqlite_in_the_data_dir(tmp_path: Path):
    settings = _settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve() / 'savor.db'}"
    assert settings.is_sqlite


def test_shared_database_without_secret_key_is_refused():
    with pytest.raises(ValidationError, match="SAVOR_SECRET_KEY must be set"):
        _settings(database_url="postgresql+psycopg://db/savor")


def test_short_secret_key_is_refused():
    with pytest.raises(ValidationError, match="at least 32"):
        _settings(secret_key="short")


def test_base_url_needs_a_scheme():
    with pytest.raises(ValidationError, match="http"):
        _settings(base_url="savor.example.org")


def test_public_url_defaults_to_host_and_port(tmp_path: Path):
    assert _settings(port=8123).public_url == "http://127.0.0.1:8123"
    assert _settings(base_url="https://savor.example.org/").public_url == (
        "https://savor.example.org"
    )


def test_secret_is_generated_once_and_kept_private(tmp_path: Path):
    settings = _settings(data_dir=tmp_path)
    first = settings.pepper()
    assert first == _settings(data_dir=tmp_path).pepper()
    mode = stat.S_IMODE((tmp_path / "secret.key").stat().st_mode)
    assert mode == 0o600
    assert len(first) >= 32


def test_configured_secret_is_used_as_given():
    assert _settings(secret_key="k" * 40).pepper() == b"k" * 40


def test_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SAVOR_LOG_LEVEL", "debug")
    monkeypatch.setenv("SAVOR_SCHEDULER_ENABLED", "false")
    settings = _settings()
    assert settings.log_level == "DEBUG"
    assert settings.scheduler_enabled is False


def test_shared_database_needs_a_shared_push_key():
    with pytest.raises(ValidationError, match="SAVOR_VAPID_PRIVATE_KEY must be set"):
        _settings(database_url="postgresql+psycopg://db/savor", secret_key="k" * 40)


def test_push_contact_must_be_mailto_or_https():
    with pytest.raises(ValidationError, match="SAVOR_VAPID_SUBJECT"):
        _settings(vapid_subject="study team")


def _create_in_a_process(path: str) -> str:
    return create_once(Path(path), lambda: secrets.token_urlsafe(48))


def test_a_secret_file_created_by_processes_at_once_is_one_whole_secret(tmp_path: Path):
    path = tmp_path / "fresh" / "secret.key"
    with ProcessPoolExecutor(max_workers=6) as pool:
        seen = set(pool.map(_create_in_a_process, [str(path)] * 24))
    assert seen == {path.read_text()}
    assert len(path.read_text()) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret.key"]


def test_an_existing_secret_file_is_read_and_never_written_again(tmp_path: Path):
    path = tmp_path / "secret.key"
    path.write_text("kept")
    assert create_once(path, lambda: "new") == "kept"
    assert path.read_text() == "kept"
