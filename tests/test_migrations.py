"""Alembic serves SQLite and PostgreSQL alike, and never drifts from the models."""

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import savor.models  # noqa: F401  (registers every table)
from savor import migrate
from savor.db import make_engine
from savor.sqltypes import UTCDateTime
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


BEFORE_CONSENT = "6c1f0a9e4d27"
_study = sa.table(
    "study",
    sa.column("id", sa.Uuid()),
    sa.column("slug", sa.String()),
    sa.column("name", sa.String()),
    sa.column("secret", sa.String()),
    sa.column("active_protocol_version", sa.Integer()),
    sa.column("created_at", UTCDateTime()),
)
_protocol = sa.table(
    "protocol",
    sa.column("id", sa.Uuid()),
    sa.column("study_id", sa.Uuid()),
    sa.column("version", sa.Integer()),
    sa.column("source", sa.String()),
    sa.column("document", sa.JSON()),
    sa.column("created_at", UTCDateTime()),
)
_participant = sa.table(
    "participant",
    sa.column("id", sa.Uuid()),
    sa.column("study_id", sa.Uuid()),
    sa.column("timezone", sa.String()),
    sa.column("language", sa.String()),
    sa.column("wake_time", sa.Time()),
    sa.column("sleep_time", sa.Time()),
    sa.column("enrolled_at", UTCDateTime()),
    sa.column("agreed_features", sa.JSON()),
    sa.column("agreed_protocol_version", sa.Integer()),
)
_code = sa.table(
    "enrollment_code",
    sa.column("id", sa.Uuid()),
    sa.column("study_id", sa.Uuid()),
    sa.column("code_hash", sa.String()),
    sa.column("created_at", UTCDateTime()),
    sa.column("expires_at", UTCDateTime()),
    sa.column("used_at", UTCDateTime()),
    sa.column("used_on", sa.Date()),
)


def _seed_before_consent(url: str, used_at: datetime) -> uuid.UUID:
    """A study on its second protocol (staff alerts and date shifting on), one participant and
    one used code, as stored before participants' agreed features were recorded."""
    study_id, participant_id = uuid.uuid4(), uuid.uuid4()
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            _study.insert().values(
                id=study_id,
                slug="pilot",
                name="Pilot",
                secret="s" * 64,
                active_protocol_version=2,
                created_at=used_at,
            )
        )
        for version, features in ((1, {}), (2, {"staff_alerts": True, "date_shift_exports": True})):
            connection.execute(
                _protocol.insert().values(
                    id=uuid.uuid4(),
                    study_id=study_id,
                    version=version,
                    source="",
                    document={"study": "pilot", "features": features},
                    created_at=used_at,
                )
            )
        connection.execute(
            _participant.insert().values(
                id=participant_id,
                study_id=study_id,
                timezone="America/Chicago",
                language="en",
                wake_time=time(7),
                sleep_time=time(22),
                enrolled_at=used_at,
            )
        )
        connection.execute(
            _code.insert().values(
                id=uuid.uuid4(),
                study_id=study_id,
                code_hash="h" * 64,
                created_at=used_at,
                expires_at=used_at + timedelta(days=7),
                used_at=used_at,
            )
        )
    engine.dispose()
    return participant_id


def test_upgrade_gives_existing_participants_their_studys_switches_and_codes_their_utc_day(
    empty_database,
):
    migrate.upgrade(empty_database, BEFORE_CONSENT)
    late_in_chicago = datetime(2026, 3, 1, 23, 30, 5, 123456, tzinfo=ZoneInfo("America/Chicago"))
    _seed_before_consent(empty_database, late_in_chicago)
    migrate.upgrade(empty_database)
    engine = make_engine(empty_database)
    with engine.connect() as connection:
        agreed = connection.execute(
            sa.select(_participant.c.agreed_features, _participant.c.agreed_protocol_version)
        ).one()
        used_on = connection.execute(sa.select(_code.c.used_on)).scalar_one()
    engine.dispose()
    assert agreed == (
        {
            "staff_alerts": True,
            "sensitive_use_item": False,
            "medication_item": False,
            "free_text_to_server": False,
            "date_shift_exports": True,
        },
        2,
    )
    assert used_on == date(2026, 3, 2)  # her evening in Chicago is the next day in UTC


def test_downgrade_keeps_the_day_a_code_was_used(empty_database):
    migrate.upgrade(empty_database, BEFORE_CONSENT)
    _seed_before_consent(empty_database, datetime(2026, 3, 2, 5, 30, tzinfo=UTC))
    migrate.upgrade(empty_database)
    migrate.downgrade(empty_database, BEFORE_CONSENT)
    engine = make_engine(empty_database)
    with engine.connect() as connection:
        used_at = connection.execute(sa.select(_code.c.used_at)).scalar_one()
        columns = {c["name"] for c in inspect(connection).get_columns("participant")}
    engine.dispose()
    assert used_at == datetime(2026, 3, 2, tzinfo=UTC)
    assert not {"agreed_features", "agreed_protocol_version"} & columns
