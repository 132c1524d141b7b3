"""The responses export's shortcuts past SQLAlchemy, kept in one place.

The responses export reads the database driver's own cursor (server-side on PostgreSQL,
SQLite's stepping cursor on SQLite): SQLAlchemy's Row objects and type conversions would
cost about a microsecond a row. What the driver hands over is raw, so this module also holds
the conversions the column types would have made, done in fewer steps: ids as text, times
as text sliced where its layout is known, JSON parsed with a cache. Each shortcut writes
exactly what the plain path writes; tests/research/test_export_times.py checks the times.
"""

import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, String, cast, func, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.types import NullType, Uuid
from sqlmodel import Session

FETCH = 5_000  # rows a fetch from a PostgreSQL cursor


def raw_column(column: Any) -> Any:
    """The column as the driver hands it over. Ids as text on both databases: psycopg would
    build a UUID object for each, and only their order and bytes are used. Anything else
    untyped (NullType), converted by the caller only where it is used."""
    if isinstance(column.type, Uuid):
        return cast(column, String)
    return type_coerce(column, NullType())


def utc_text_column(column: Any) -> Any:
    """A time column as the text SQLite keeps, written by PostgreSQL whatever its DateStyle
    and TimeZone: one path for both, and psycopg builds no datetime."""
    return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI:SS.US")


def converters(dialect: Dialect, columns: Iterable[Any]) -> list[Callable[[Any], Any]]:
    """What each column's type makes of the driver's value on this database."""

    def same(value: Any) -> Any:
        return value

    return [c.type.dialect_impl(dialect).result_processor(dialect, None) or same for c in columns]


@lru_cache(maxsize=4096)
def parsed_json(text: str) -> Any:
    """The JSON column's conversion of text (psycopg's generic path, cached: answers repeat).
    A number SQLite kept as a number is not text and is used as it is."""
    return json.loads(text)


def id_bytes(text: str | None) -> bytes | None:
    """The hex digits of a UUID's text, with dashes (PostgreSQL) or without (SQLite), are its
    bytes."""
    return None if text is None else bytes.fromhex(text.replace("-", ""))


_parse = datetime.fromisoformat
_iso = datetime.isoformat


def instant(raw: Any) -> datetime | None:
    """The driver's value of a time as an aware UTC datetime (what her history is sorted by)."""
    if raw is None:
        return None
    if raw.__class__ is str:
        at = _parse(raw)
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return raw.replace(tzinfo=UTC) if raw.tzinfo is None else raw.astimezone(UTC)


def time_texts(raw: Any, zone: ZoneInfo, shift: timedelta) -> tuple[str | None, str | None]:
    """A time's _utc and _local text from the driver's value, exactly as utc_text and
    local_text write them, in fewer steps: a check-in has six.

    Her offset is looked up for each instant (astimezone), so DST, half-hour zones and the
    seconds of a historical LMT offset come out as the plain path writes them.
    """
    if raw is None:
        return None, None
    wall = None
    if raw.__class__ is str:
        # UTCDateTime's conversion: SQLite keeps UTC as ISO text without an offset. Parsing
        # the text twice costs less than datetime.replace, slowed by its keyword parsing.
        wall = _parse(raw)
        at = _parse(raw + "+00:00") if wall.tzinfo is None else wall.astimezone(UTC)
    else:
        at = raw.replace(tzinfo=UTC) if raw.tzinfo is None else raw.astimezone(UTC)
    # isoformat with milliseconds ends in "+HH:MM" (6 characters) for an aware time, and
    # its first 23 characters are the date and the wall time.
    local = _iso(at.astimezone(zone), "T", "milliseconds")
    if shift:
        # Whole weeks back on both clocks; the offset she really had stays.
        utc = _iso(at - shift, "T", "milliseconds")[:-6] + "Z"
        return utc, _iso(_parse(local[:23]) - shift, "T", "milliseconds") + local[23:]
    if wall is None or wall.tzinfo is not None:
        return _iso(at, "T", "milliseconds")[:-6] + "Z", local
    if len(raw) == 26 and raw[19] == "." and raw[4] == raw[7] == "-" and raw[13] == raw[16] == ":":
        # Stored as YYYY-MM-DD HH:MM:SS.ffffff: the UTC text is its first 23 characters.
        return raw[:10] + "T" + raw[11:23] + "Z", local
    return _iso(wall, "T", "milliseconds") + "Z", local


def open_cursor(session: Session, query: Select[Any]) -> Any:
    """The driver's cursor over the query, executed now. The query binds only numbers (its
    window), which need no conversion."""
    connection = session.connection()
    dialect = connection.dialect
    compiled = query.compile(dialect=dialect)
    params: Any = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup or ())
    driver = connection.connection.dbapi_connection
    assert driver is not None
    if dialect.name == "postgresql":
        # A named (server-side) cursor: the rows stay in PostgreSQL until read.
        cursor = driver.cursor(name=f"savor_export_{uuid.uuid4().hex}")
    else:
        cursor = driver.cursor()
    cursor.execute(str(compiled), params)
    return cursor


def cursor_rows(cursor: Any, dialect: Dialect) -> Iterator[tuple[Any, ...]]:
    """The cursor's rows as plain tuples, in the query's column order."""
    if dialect.name != "postgresql":
        return iter(cursor)  # sqlite3 steps through rows in C
    # psycopg's server-side cursor hands rows over one by one in Python; pages come whole.
    return chain.from_iterable(iter(partial(cursor.fetchmany, FETCH), []))
