"""Answered check-ins in change order, and their long, wide and item-by-item shapes.

Two queries stream the window's check-ins and their answered items in the same (seq, id)
order, read from the driver's own cursors (server-side on PostgreSQL, SQLite's stepping
cursor on SQLite), so memory stays flat whatever the size. Values come raw from the driver
and are converted as their column types would convert them, a check-in's columns once for
the check-in rather than once per item.
"""

import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from itertools import chain
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Select, String, Text, cast, func, select, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.types import NullType, Uuid
from sqlmodel import Session, col

from savor.clock import time_zone
from savor.ema.models import Prompt, Response, ResponseItem
from savor.research.anonymize import date_text
from savor.research.exports import columns as cols
from savor.research.exports.sources import Scope
from savor.research.exports.writers import ALONE, Page

BASE = cols.names(cols.RESPONSE_BASE)
FETCH = 5_000  # rows a fetch from a PostgreSQL cursor
# Check-ins a batch, and so a page of output. Small, so that a page's objects are freed soon
# after they are made: Python's cyclic collector runs whenever 700 more objects are alive than
# at its last run, and pages of 500 set it off 190 times in 100k rows (about 15% of the CPU,
# walking the live pages each time) against 7 times with pages of 50.
BATCH = 50
CHECK_IN = (
    Response.id,
    Response.participant_id,
    Response.prompt_id,
    Response.kind,
    Prompt.schedule_id,
    Response.instrument_id,
    Response.instrument_version,
    Response.protocol_version,
    # The times of the _utc and _local columns, in their order.
    Prompt.scheduled_at,
    Prompt.sent_at,
    Prompt.opened_at,
    Response.started_at,
    Response.submitted_at,
    Response.received_at,
    Response.timezone,
    Response.local_date,
    Response.late,
)
ITEM = (ResponseItem.item_id, ResponseItem.position, ResponseItem.value, ResponseItem.declined)


class Answer(NamedTuple):
    """One answered item: the long shape's last columns, in their order."""

    item_id: str
    item_position: int
    value: Any
    declined: bool


@dataclass(frozen=True, slots=True)
class Answered:
    """One answered check-in: its columns in BASE order, its answers in the order shown, and
    its instrument version's item types by item id."""

    cells: tuple[Any, ...]
    items: list[Answer]
    kinds: dict[str, str]

    @property
    def row(self) -> dict[str, Any]:
        return dict(zip(BASE, self.cells, strict=True))


def _window(query: Select[Any], scope: Scope) -> Select[Any]:
    return query.where(col(Response.seq) >= scope.since, col(Response.seq) < scope.until)


def _raw(column: Any) -> Any:
    # Ids as text on both databases: psycopg would build a UUID object for each, and only
    # their order and bytes are used. Anything else as the driver hands it over (NullType),
    # converted below only where it is used.
    if isinstance(column.type, Uuid):
        return cast(column, String)
    return type_coerce(column, NullType())


def _utc_text(column: Any) -> Any:
    # The text SQLite keeps, written by PostgreSQL whatever its DateStyle and TimeZone: one
    # path for both, and psycopg builds no datetime.
    return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI:SS.US")


def _check_in_query(scope: Scope, dialect: Dialect) -> Select[Any]:
    columns = [_raw(c) for c in (*CHECK_IN, Response.seq)]
    if dialect.name == "postgresql":
        columns[8:14] = map(_utc_text, CHECK_IN[8:14])
    query = select(*columns).select_from(Response)
    query = query.outerjoin(Prompt, col(Prompt.id) == Response.prompt_id)
    return _window(query, scope).order_by(col(Response.seq), col(Response.id))


def _item_query(scope: Scope, dialect: Dialect) -> Select[Any]:
    # psycopg parses JSON with the generic json.loads path: answers come as text to parse
    # (with a cache) here. SQLite already hands numbers over as numbers.
    value = ResponseItem.value
    value = cast(value, Text) if dialect.name == "postgresql" else type_coerce(value, NullType())
    item_id, position, _, declined = map(_raw, ITEM)
    columns = (*map(_raw, (Response.seq, Response.id)), item_id, position, value, declined)
    query = select(*columns).select_from(Response)
    query = query.join(ResponseItem, col(ResponseItem.response_id) == Response.id)
    order = (col(Response.seq), col(Response.id), col(ResponseItem.position))
    return _window(query, scope).order_by(*order)


@lru_cache(maxsize=4096)
def _parsed(text: str) -> Any:
    """The JSON column's conversion of text; a number SQLite kept as a number stays as it is."""
    return json.loads(text)


# An Answer from a tuple in one C call: its generated __new__ costs 0.1 µs more an item.
_new = tuple.__new__


def _converters(dialect: Dialect, columns: Iterable[Any]) -> list[Callable[[Any], Any]]:
    """What each column's type makes of the driver's value on this database."""

    def same(value: Any) -> Any:
        return value

    return [c.type.dialect_impl(dialect).result_processor(dialect, None) or same for c in columns]


_parse = datetime.fromisoformat
_iso = datetime.isoformat
_NO_SHIFT = timedelta(0)


def _times(raw: Any, zone: ZoneInfo, shift: timedelta) -> tuple[str | None, str | None]:
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


def _id_bytes(text: str | None) -> bytes | None:
    # The hex digits of a UUID, with dashes (PostgreSQL) or without (SQLite), are its bytes.
    return None if text is None else bytes.fromhex(text.replace("-", ""))


class _CheckIns:
    """A check-in's columns from its row, for the study's own check-ins only."""

    def __init__(self, scope: Scope, dialect: Dialect) -> None:
        self.scope = scope
        self.to_day, self.to_flag = _converters(dialect, (Response.local_date, Response.late))
        # Item ids shown per instrument version: free text can name her, and an item the
        # codebook does not know is treated the same. None when free text is asked for.
        self.shown_ids: dict[tuple[str, str], frozenset[str]] = {}
        # Her pseudonym, weeks and shift by her id's text; None for another study's participant.
        self.people: dict[Any, tuple[str, int, timedelta] | None] = {}

    def person(self, raw: str) -> tuple[str, int, timedelta] | None:
        if raw not in self.people:
            who = uuid.UUID(raw)
            found = None
            if who in self.scope.people:
                name, weeks = self.scope.anonymizer.person(who)
                found = (name, weeks, timedelta(weeks=weeks) if weeks else _NO_SHIFT)
            self.people[raw] = found
        return self.people[raw]

    def shown(self, found: Answered | None) -> frozenset[str] | None:
        if found is None or self.scope.free_text:
            return None
        key = (found.cells[5], found.cells[6])
        if key not in self.shown_ids:
            self.shown_ids[key] = frozenset(i for i, k in found.kinds.items() if k != "text")
        return self.shown_ids[key]

    def read(self, row: Any) -> Answered | None:
        person = self.person(row[1])
        if person is None:
            return None
        name, weeks, shift = person
        kind, schedule, instrument, version, protocol = row[3:8]
        zone, day, late = row[14], self.to_day(row[15]), self.to_flag(row[16])
        where = time_zone(zone)
        utc, local = zip(*[_times(a, where, shift) for a in row[8:14]], strict=True)
        anonymizer = self.scope.anonymizer
        refs = (
            anonymizer.ref("R", _id_bytes(row[0])),
            anonymizer.ref("Q", _id_bytes(row[2])),
        )
        cells = (
            name,
            *refs,
            kind,
            schedule,
            instrument,
            version,
            protocol,
            *utc,
            *local,
            zone,
            date_text(day, weeks),
            late,
        )
        return Answered(cells, [], self.scope.kinds(instrument, version))


def _cursor(session: Session, query: Select[Any]) -> Any:
    """The driver's cursor over the query, executed now: SQLAlchemy's Row objects would cost
    a microsecond a row. The query binds only numbers (its window), which need no conversion.
    """
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


def _rows(cursor: Any, dialect: Dialect) -> Iterator[Any]:
    if dialect.name != "postgresql":
        return iter(cursor)  # sqlite3 steps through rows in C
    # psycopg's server-side cursor hands rows over one by one in Python; pages come whole.
    return chain.from_iterable(iter(partial(cursor.fetchmany, FETCH), []))


def answered(session: Session, scope: Scope) -> Iterator[list[Answered]]:
    """Every answered check-in of the study in the window, in change order, in batches.

    Check-ins and their items come from two cursors in the same (seq, id) order, merged here:
    a check-in's columns cross the wire once, not once per item.
    """
    dialect = session.connection().dialect
    check_ins = _CheckIns(scope, dialect)
    to_declined = _converters(dialect, ITEM)[3]
    check_in_cursor = _cursor(session, _check_in_query(scope, dialect))
    item_cursor = _cursor(session, _item_query(scope, dialect))
    with closing(check_in_cursor), closing(item_cursor):
        items = _rows(item_cursor, dialect)
        item = next(items, None)
        batch: list[Answered] = []
        for row in _rows(check_in_cursor, dialect):
            key = (row[-1], row[0])
            # Items of a check-in deleted between the two queries' starts: passed over.
            while item is not None and item[1] != key[1] and (item[0], item[1]) < key:
                item = next(items, None)
            found = check_ins.read(row)
            shown = check_ins.shown(found)
            append = found.items.append if found is not None else None
            while item is not None and item[1] == key[1]:
                if append is not None and (shown is None or item[2] in shown):
                    value = item[4]
                    value = _parsed(value) if value.__class__ is str else value
                    answer = (item[2], item[3], value, to_declined(item[5]))
                    append(_new(Answer, answer))
                item = next(items, None)
            if found is not None:
                batch.append(found)
                if len(batch) == BATCH:
                    yield batch
                    batch = []
        if batch:
            yield batch


def long_rows(batches: Iterable[list[Answered]]) -> Iterator[Page]:
    """One row per answered item: the check-in's columns, then the item's."""
    for batch in batches:
        yield [(a.cells, a.items) for a in batch]


def wide_rows(batches: Iterable[list[Answered]], columns: list[str]) -> Iterator[Page]:
    """One row per answered check-in, one column per item."""
    for batch in batches:
        page = []
        for a in batch:
            declined = [i.item_id for i in a.items if i.declined]
            values = {i.item_id: i.value for i in a.items if not i.declined}
            row = {**a.row, "declined": " ".join(declined) or None, **values}
            page.append((tuple(map(row.get, columns)), ALONE))
        yield page
