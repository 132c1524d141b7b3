"""Many rows at once: a remembered conversion gives what converting gives, and rows inserted
either way (encoded tuples, or COPY text lines) read back exactly."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import JSON, Boolean, Column, MetaData, String, Table, Uuid, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from savor.bulk import BulkInsert, copy_text
from savor.db import make_engine
from savor.sqltypes import UTCDateTime

TABLE = Table("t", MetaData(), Column("at", UTCDateTime), Column("other", UTCDateTime))
DIALECT = sqlite.dialect()


def test_a_repeated_column_encodes_each_value_as_a_plain_one_does():
    times = [datetime(2026, 3, 8, 7, n % 3, tzinfo=UTC) for n in range(9)] + [None]
    rows = [{"at": at, "other": at} for at in times]

    remembered = BulkInsert(TABLE, ["at", "other"], DIALECT, repeated=["at"])
    plain = BulkInsert(TABLE, ["at", "other"], DIALECT)

    assert [remembered.encode(r) for r in rows] == [plain.encode(r) for r in rows]


def test_one_instant_in_another_zone_encodes_as_in_utc_and_other_instants_do_not():
    # Python counts the same instant in two zones as one value, so they share a conversion;
    # UTCDateTime stores both as UTC, so that is exactly right.
    at = datetime(2026, 3, 8, 7, tzinfo=UTC)
    encoder = BulkInsert(TABLE, ["at"], DIALECT, repeated=["at"])

    first = encoder.encode({"at": at.astimezone(ZoneInfo("America/Chicago"))})
    in_utc = BulkInsert(TABLE, ["at"], DIALECT).encode({"at": at})
    later = encoder.encode({"at": at + timedelta(minutes=1)})

    assert first == in_utc != later


ODD = Table(
    "bulk_odd",
    MetaData(),
    Column("id", Uuid, primary_key=True),
    Column("note", String(200)),
    Column("value", JSON),
    Column("at", UTCDateTime),
    Column("flag", Boolean),
)
COLUMNS = ("id", "note", "value", "at", "flag")


@pytest.fixture
def odd_table(engine: Engine) -> Iterator[Table]:
    ODD.create(engine)
    yield ODD
    ODD.drop(engine)


def test_inserted_rows_read_back_exactly_on_either_database(engine, odd_table):
    rows = [
        {
            "id": uuid.uuid4(),
            "note": "tab\there, line\nbreak, back\\slash, «ñ»",
            "value": {"nested": [1, None, "x"], "yes": True},
            "at": datetime(2026, 3, 8, 7, 59, 59, 123456, tzinfo=UTC),
            "flag": True,
        },
        {"id": uuid.uuid4(), "note": None, "value": None, "at": None, "flag": False},
        {"id": uuid.uuid4(), "note": "", "value": 3, "at": None, "flag": None},
    ]
    encoder = BulkInsert(odd_table, COLUMNS, engine.dialect)

    with engine.begin() as connection:
        encoder.insert(connection, [encoder.encode(row) for row in rows])

    with engine.connect() as connection:
        stored = {row.id: dict(row._mapping) for row in connection.execute(select(odd_table))}
    assert stored == {row["id"]: row for row in rows}


def test_a_duplicate_is_an_integrity_error_on_either_database(engine, odd_table):
    encoder = BulkInsert(odd_table, COLUMNS, engine.dialect)
    row = encoder.encode({"id": uuid.uuid4(), "note": "a", "value": 1, "at": None, "flag": True})
    with engine.begin() as connection:
        encoder.insert(connection, [row])

    with pytest.raises(IntegrityError), engine.begin() as connection:
        encoder.insert(connection, [row])


@pytest.fixture
def postgres_table(postgres_url: str) -> Iterator[tuple[Engine, Table]]:
    """The odd table on PostgreSQL alone: COPY text is PostgreSQL's."""
    engine = make_engine(postgres_url)
    ODD.create(engine)
    yield engine, ODD
    ODD.drop(engine)
    engine.dispose()


def test_copy_lines_read_back_exactly_and_a_duplicate_is_an_integrity_error(postgres_table):
    engine, odd_table = postgres_table
    bulk = BulkInsert(odd_table, COLUMNS, engine.dialect)
    first, second = uuid.uuid4(), uuid.uuid4()
    note, value = "tab\there, line\nbreak, back\\slash, «ñ»", copy_text('{"a": [1]}')
    lines = [
        f"{first}\t{copy_text(note)}\t{value}\t2026-03-08T07:59:00+00:00\tt\n",
        f"{second}\t\\N\t\\N\t\\N\tf\n",
    ]

    with engine.begin() as connection:
        bulk.copy_lines(connection, iter(lines))

    with engine.connect() as connection:
        stored = {row.id: tuple(row)[1:] for row in connection.execute(select(odd_table))}
    assert stored == {
        first: (note, {"a": [1]}, datetime(2026, 3, 8, 7, 59, tzinfo=UTC), True),
        second: (None, None, None, False),
    }
    with pytest.raises(IntegrityError), engine.begin() as connection:
        bulk.copy_lines(connection, lines[:1])


@pytest.mark.parametrize("text", ["plain", "tab\there", "new\nline", "back\\slash", "cr\r"])
def test_copy_text_escapes_what_copy_would_read_as_a_separator(text):
    escaped = copy_text(text)

    assert "\t" not in escaped and "\n" not in escaped and "\r" not in escaped
    unescaped = escaped.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")
    assert unescaped.replace("\\\\", "\\") == text
