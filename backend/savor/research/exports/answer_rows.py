"""Answered check-ins in change order, and their long, wide and item-by-item shapes.

Two queries stream the window's check-ins and their answered items in the same (seq, id)
order, read from the driver's own cursors (see `driver`), so memory stays flat whatever the
size. A check-in's columns are converted once for the check-in rather than once per item.
"""

import uuid
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta
from itertools import repeat
from typing import Any, NamedTuple

from sqlalchemy import Select, Text, cast, select
from sqlalchemy.engine import Dialect
from sqlmodel import Session, col

from savor.clock import time_zone
from savor.ema.models import Prompt, Response, ResponseItem
from savor.research.anonymize import local_hour, offset_minutes
from savor.research.exports import columns as cols
from savor.research.exports import driver
from savor.research.exports.sources import ExportWindow
from savor.research.exports.writers import ALONE, Page
from savor.studies.history import History
from savor.studies.models import Participant

BASE = cols.names(cols.RESPONSE_BASE)
# Check-ins a batch, and so a page of output. Small, so that a page's objects are freed soon
# after they are made: Python's cyclic collector runs whenever 700 more objects are alive than
# at its last run, and pages of 500 set it off 190 times in 100k rows (about 15% of the CPU,
# walking the live pages each time) against 7 times with pages of 50.
BATCH = 50


class CheckInRow(NamedTuple):
    """A row of the check-in query, its columns in CHECK_IN's order."""

    response_id: str
    participant_id: str
    prompt_id: str | None
    kind: str
    schedule_id: str | None
    instrument_id: str
    instrument_version: str
    protocol_version: str
    # The times of the _utc and _local columns, in their order.
    scheduled_at: Any
    sent_at: Any
    delivered_at: Any
    shown_at: Any
    clicked_at: Any
    dismissed_at: Any
    opened_at: Any
    started_at: Any
    submitted_at: Any
    received_at: Any
    late: Any
    context: Any
    seq: int


CHECK_IN = (
    Response.id,
    Response.participant_id,
    Response.prompt_id,
    Response.kind,
    Prompt.schedule_id,
    Response.instrument_id,
    Response.instrument_version,
    Response.protocol_version,
    Prompt.scheduled_at,
    Prompt.sent_at,
    Prompt.delivered_at,
    Prompt.shown_at,
    Prompt.clicked_at,
    Prompt.dismissed_at,
    Prompt.opened_at,
    Response.started_at,
    Response.submitted_at,
    Response.received_at,
    Response.late,
    Response.context,
    Response.seq,
)
TIMES = ("scheduled_at", "sent_at", "delivered_at", "shown_at", "clicked_at", "dismissed_at")
TIMES += ("opened_at", "started_at", "submitted_at", "received_at")
# The check-in's defining moment: its zone is the one in force then, its hour is exported.
SUBMITTED = TIMES.index("submitted_at")


class ItemRow(NamedTuple):
    """A row of the item query, its columns in ITEM's order."""

    seq: int
    response_id: str
    item_id: str
    position: int
    value: Any
    declined: Any


ITEM = (
    Response.seq,
    Response.id,
    ResponseItem.item_id,
    ResponseItem.position,
    ResponseItem.value,
    ResponseItem.declined,
)


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
    # The codebook's fixed place of each item in the instrument version, by item id.
    positions: dict[str, int]

    @property
    def row(self) -> dict[str, Any]:
        return dict(zip(BASE, self.cells, strict=True))


def _window(query: Select[Any], window: ExportWindow) -> Select[Any]:
    query = query.where(col(Response.seq) >= window.since, col(Response.seq) < window.until)
    if window.instrument is not None:
        query = query.where(col(Response.instrument_id) == window.instrument)
    return query


def instruments_answered(session: Session, window: ExportWindow) -> set[str]:
    """The instruments the window's check-ins of the study answered: the wide shape's item
    columns are theirs, and no other's."""
    query = _window(select(col(Response.instrument_id)).distinct(), window)
    query = query.join(Participant, col(Participant.id) == Response.participant_id)
    query = query.where(col(Participant.study_id) == window.study_id)
    return set(session.execute(query).scalars())


def _labelled(columns: dict[str, Any]) -> list[Any]:
    return [column.label(name) for name, column in columns.items()]


def check_in_query(window: ExportWindow, dialect: Dialect) -> Select[Any]:
    named = dict(zip(CheckInRow._fields, CHECK_IN, strict=True))
    columns = {name: driver.raw_column(column) for name, column in named.items()}
    if dialect.name == "postgresql":
        columns |= {name: driver.utc_text_column(named[name]) for name in TIMES}
        # As text, parsed with a cache: a few contexts repeat across every check-in.
        columns["context"] = cast(Response.context, Text)
    query = select(*_labelled(columns)).select_from(Response)
    query = query.outerjoin(Prompt, col(Prompt.id) == Response.prompt_id)
    return _window(query, window).order_by(col(Response.seq), col(Response.id))


def item_query(window: ExportWindow, dialect: Dialect) -> Select[Any]:
    columns = dict(zip(ItemRow._fields, map(driver.raw_column, ITEM), strict=True))
    # psycopg parses JSON with the generic json.loads path: answers come as text to parse
    # (with a cache) here. SQLite already hands numbers over as numbers.
    if dialect.name == "postgresql":
        columns["value"] = cast(ResponseItem.value, Text)
    query = select(*_labelled(columns)).select_from(Response)
    query = query.join(ResponseItem, col(ResponseItem.response_id) == Response.id)
    order = (col(Response.seq), col(Response.id), col(ResponseItem.position))
    return _window(query, window).order_by(*order)


# A named tuple from a tuple in one C call: the generated __new__ costs 0.1 µs more a row.
_new = tuple.__new__
_NO_SHIFT = timedelta(0)
_NO_TIME = (None, None, None)


class _CheckIns:
    """A check-in's columns from its row, for the study's own check-ins only."""

    def __init__(self, window: ExportWindow, dialect: Dialect) -> None:
        self.window = window
        (self.to_flag,) = driver.converters(dialect, (Response.late,))
        # Item ids shown per instrument version: free text can name her, and an item the
        # codebook does not know is treated the same. None when free text is asked for.
        self.shown_ids: dict[tuple[str, str], frozenset[str]] = {}
        # Her pseudonym, weeks, shift and history by her id's text; None for another study's
        # participant.
        self.people: dict[Any, tuple[str, int, timedelta, History] | None] = {}

    def person(self, raw: str) -> tuple[str, int, timedelta, History] | None:
        if raw not in self.people:
            who = uuid.UUID(raw)
            found = None
            history = self.window.people.get(who)
            if history is not None:
                name, weeks = self.window.anonymizer.person(who)
                shift = timedelta(weeks=weeks) if weeks else _NO_SHIFT
                found = (name, weeks, shift, history)
            self.people[raw] = found
        return self.people[raw]

    @staticmethod
    def zone(history: History, submitted: Any) -> str:
        """The zone in force when she submitted it; one lookup only for her who moved."""
        if history.single:
            return history.states[0].timezone
        return history.zone_at(driver.instant(submitted))

    def shown(self, row: CheckInRow, found: Answered | None) -> frozenset[str] | None:
        if found is None or self.window.free_text:
            return None
        key = (row.instrument_id, row.instrument_version)
        if key not in self.shown_ids:
            self.shown_ids[key] = frozenset(i for i, k in found.kinds.items() if k != "text")
        return self.shown_ids[key]

    def read(self, row: CheckInRow) -> Answered | None:
        person = self.person(row.participant_id)
        if person is None:
            return None
        name, _, shift, history = person
        timezone = self.zone(history, row.submitted_at)
        zone = time_zone(timezone)
        at = tuple(getattr(row, name) for name in TIMES)
        utc, local = zip(*[driver.time_texts(a, zone, shift) for a in at], strict=True)
        # Each _local beside its wall-clock time and offset (as local_columns writes them, in
        # fewer steps), the hour of the submission after.
        local_cells: list[Any] = []
        for text in local:
            if text is None:
                local_cells += _NO_TIME
            else:
                local_cells += (text, text[:23], offset_minutes(text[23:]))
        submitted = local[SUBMITTED]
        local_cells.insert(3 * SUBMITTED + 3, local_hour(submitted))
        anonymizer = self.window.anonymizer
        cells = (
            name,
            anonymizer.ref("R", driver.id_bytes(row.response_id)),
            anonymizer.ref("Q", driver.id_bytes(row.prompt_id)),
            row.kind,
            row.schedule_id,
            row.instrument_id,
            row.instrument_version,
            row.protocol_version,
            *utc,
            *local_cells,
            timezone,
            # Her day at submission in that zone (shifted with it when dates are shifted).
            submitted[:10] if submitted is not None else None,
            self.to_flag(row.late),
            *_context(row.context),
        )
        kinds = self.window.kinds(row.instrument_id, row.instrument_version)
        positions = self.window.positions(row.instrument_id, row.instrument_version)
        return Answered(cells, [], kinds, positions)


def _context(raw: Any) -> list[Any]:
    """The facts about her day her phone sent (what a show_if may ask), one per known flag:
    an item hidden by one is told apart from one she skipped. None when it was not sent."""
    facts = driver.parsed_json(raw) if raw.__class__ is str else raw
    if not isinstance(facts, dict):
        return [None] * len(cols.CONTEXT_COLUMNS)
    return [facts.get(flag) for flag in cols.CONTEXT_FLAGS_ORDER]


def _named(rows: Iterator[tuple[Any, ...]], shape: type[tuple[Any, ...]]) -> Iterator[Any]:
    return map(_new, repeat(shape), rows)


def answered(session: Session, window: ExportWindow) -> Iterator[list[Answered]]:
    """Every answered check-in of the study in the window, in change order, in batches.

    Check-ins and their items come from two cursors in the same (seq, id) order, merged here:
    a check-in's columns cross the wire once, not once per item.
    """
    dialect = session.connection().dialect
    check_ins = _CheckIns(window, dialect)
    (to_declined,) = driver.converters(dialect, (ResponseItem.declined,))
    check_in_cursor = driver.open_cursor(session, check_in_query(window, dialect))
    item_cursor = driver.open_cursor(session, item_query(window, dialect))
    with closing(check_in_cursor), closing(item_cursor):
        items = _named(driver.cursor_rows(item_cursor, dialect), ItemRow)
        item: ItemRow | None = next(items, None)
        batch: list[Answered] = []
        for row in _named(driver.cursor_rows(check_in_cursor, dialect), CheckInRow):
            response_id, key = row.response_id, (row.seq, row.response_id)
            # Items of a check-in deleted between the two queries' starts: passed over.
            while (
                item is not None
                and item.response_id != response_id
                and (item.seq, item.response_id) < key
            ):
                item = next(items, None)
            found = check_ins.read(row)
            shown = check_ins.shown(row, found)
            append = found.items.append if found is not None else None
            # The codebook's position, not the index in what the phone sent: that one shifts
            # when she skips an optional item. Empty for an item the codebook does not know.
            place = found.positions.get if found is not None else None
            while item is not None and item.response_id == response_id:
                if append is not None and (shown is None or item.item_id in shown):
                    value = item.value
                    value = driver.parsed_json(value) if value.__class__ is str else value
                    position = place(item.item_id) if place is not None else None
                    answer = (item.item_id, position, value, to_declined(item.declined))
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


def wide_rows(
    batches: Iterable[list[Answered]],
    columns: list[str],
    alternatives: dict[str, frozenset[str]] | None = None,
    checkboxes: dict[str, list[tuple[str, str]]] | None = None,
) -> Iterator[Page]:
    """One row per answered check-in, one column per item. An alternative answer (B1's
    not_with_baby) goes to the item's `_alt` column, so a rating column holds numbers only.
    A multiple-choice item in `checkboxes` (REDCap's shape) is a 1 or 0 per choice column
    instead, all empty when she declined it or was not asked it."""
    alternatives = alternatives or {}
    checkboxes = checkboxes or {}
    for batch in batches:
        page = []
        for a in batch:
            declined = [i.item_id for i in a.items if i.declined]
            values: dict[str, Any] = {}
            for i in a.items:
                if i.declined:
                    continue
                if i.item_id in checkboxes and isinstance(i.value, list):
                    for column, key in checkboxes[i.item_id]:
                        values[column] = int(key in i.value)
                elif i.value.__class__ is str and i.value in alternatives.get(i.item_id, ()):
                    values[f"{i.item_id}{cols.ALT_SUFFIX}"] = True
                else:
                    values[i.item_id] = i.value
            row = {**a.row, "declined": declined, **values}
            page.append((tuple(map(row.get, columns)), ALONE))
        yield page
