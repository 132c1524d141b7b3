"""Alembic serves SQLite and PostgreSQL alike, and never drifts from the models."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import savor.models  # noqa: F401  (registers every table)
from savor import migrate
from savor.db import make_engine
from tests.conftest import BACKENDS, create_postgres_database, drop_postgres_database


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    names = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    return names


def test_upgrade_from_empty_creates_every_table(empty_database):
    migrate.upgrade(empty_database)
    assert _tables(empty_database) == set(SQLModel.metadata.tables)


def test_downgrade_to_base_removes_every_table_and_upgrade_again_works(empty_database):
    migrate.upgrade(empty_database)
    migrate.downgrade(empty_database, "base")
    assert _tables(empty_database) == set()
    migrate.upgrade(empty_database)
    assert _tables(empty_database) == set(SQLModel.metadata.tables)


def test_models_and_migrations_do_not_drift(empty_database):
    migrate.upgrade(empty_database)
    engine = make_engine(empty_database)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == [], f"write a migration for: {differences}"


def test_head_is_recorded_after_upgrade(empty_database):
    migrate.upgrade(empty_database)
    engine = make_engine(empty_database)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()
