"""Fixtures: a fresh database per test on SQLite and on PostgreSQL, the app, and a client."""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel

from savor import migrate
from savor.config import Settings
from savor.db import make_engine
from savor.main import create_app
from savor.notify.dispatch import Sender
from savor.notify.jobs import make_sender
from tests.notify.push_service import PushService
from tests.servers import free_port

# PostgreSQL runs on every machine this project is built on; a missing server is a failure,
# never a reason to skip half of the suite.
POSTGRES_URL = os.environ.get(
    "SAVOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
BACKENDS = ["sqlite", "postgresql"]


def _admin_dsn() -> str:
    url = make_url(POSTGRES_URL).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def create_postgres_database() -> str:
    """A new, empty PostgreSQL database; returns its SQLAlchemy URL."""
    name = f"savor_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is needed at {POSTGRES_URL} (start it, see README): {exc}")
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "savor.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = create_postgres_database()
    migrate.upgrade(url)
    yield url
    drop_postgres_database(url)


def truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a copied SQLite file, or the session's PostgreSQL wiped."""
    if request.param == "sqlite":
        path = tmp_path / "savor.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = make_engine(url)
    truncate_all(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def vapid_private_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


# Fixtures that serve on this machine what the service posts to (push services, webhooks).
LOOPBACK_SERVERS = {"push_service", "webhook_server"}


@pytest.fixture
def settings(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path, vapid_private_key: str
) -> Settings:
    # A test with a local push service or receiver lets outbound requests reach loopback, as
    # SAVOR_OUTBOUND_ALLOW_LOOPBACK does for local development; every other test is strict.
    loopback = not LOOPBACK_SERVERS.isdisjoint(request.fixturenames)
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=TEST_SECRET,
        vapid_private_key=vapid_private_key,
        scheduler_enabled=False,
        outbound_allow_loopback=loopback,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.resolved_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings, engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture(autouse=True)
def _no_outside_savor_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own SAVOR_* variables must not leak into what the tests configure."""
    for name in list(os.environ):
        if name.startswith("SAVOR_") and name != "SAVOR_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)


@pytest.fixture
def push_service() -> Iterator[PushService]:
    """A real push service on loopback that checks VAPID and decrypts what it receives."""
    with PushService() as service:
        yield service


@pytest.fixture
def sender(app: FastAPI) -> Sender:
    return make_sender(app.state.settings, app.state.vapid_keys)


@pytest.fixture
def clean_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a server process: a data dir and port of its own, nothing inherited."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAVOR_")}
    env.update(SAVOR_DATA_DIR=str(tmp_path / "data"), PORT=str(free_port()))
    return env
