"""Rows encoded ahead for the driver: a remembered conversion gives what converting gives."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Column, MetaData, Table
from sqlalchemy.dialects import sqlite

from savor.rowsql import RowEncoder
from savor.sqltypes import UTCDateTime

TABLE = Table("t", MetaData(), Column("at", UTCDateTime), Column("other", UTCDateTime))
DIALECT = sqlite.dialect()


def test_a_repeated_column_encodes_each_value_as_a_plain_one_does():
    times = [datetime(2026, 3, 8, 7, n % 3, tzinfo=UTC) for n in range(9)] + [None]
    rows = [{"at": at, "other": at} for at in times]

    remembered = RowEncoder(TABLE, ["at", "other"], DIALECT, repeated=["at"])
    plain = RowEncoder(TABLE, ["at", "other"], DIALECT)

    assert [remembered.encode(r) for r in rows] == [plain.encode(r) for r in rows]


def test_one_instant_in_another_zone_encodes_as_in_utc_and_other_instants_do_not():
    # Python counts the same instant in two zones as one value, so they share a conversion;
    # UTCDateTime stores both as UTC, so that is exactly right.
    at = datetime(2026, 3, 8, 7, tzinfo=UTC)
    encoder = RowEncoder(TABLE, ["at"], DIALECT, repeated=["at"])

    first = encoder.encode({"at": at.astimezone(ZoneInfo("America/Chicago"))})
    in_utc = RowEncoder(TABLE, ["at"], DIALECT).encode({"at": at})
    later = encoder.encode({"at": at + timedelta(minutes=1)})

    assert first == in_utc != later
