"""Answered check-ins in change order, and their long, wide and item-by-item shapes.

One query streams every answered item of the window with its check-in's columns beside it,
in (seq, id, position) order, through a server-side cursor on PostgreSQL and SQLite's own
stepping cursor, so memory stays flat whatever the size. Values come raw from the driver and
are converted as their column types would convert them, a check-in's columns once for the
check-in rather than once per item.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Select, select, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.types import NullType
from sqlmodel import Session, col

from savor.ema.models import Prompt, Response, ResponseItem
from savor.research.anonymize import date_text, local_text, utc_text
from savor.research.exports import columns as cols
from savor.research.exports.sources import Scope
from savor.research.exports.writers import ALONE, Page

BASE = cols.names(cols.RESPONSE_BASE)
FETCH = 5_000  # rows a fetch from the cursor, and so about a page of output
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
FIRST_ITEM = len(CHECK_IN)


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


def _query(scope: Scope) -> Select[Any]:
    # NullType: the driver's values as they come, converted below only where they are used.
    raw = [type_coerce(c, NullType()) for c in (*CHECK_IN, *ITEM)]
    return (
        select(*raw)
        .select_from(Response)
        .outerjoin(Prompt, col(Prompt.id) == Response.prompt_id)
        .outerjoin(ResponseItem, col(ResponseItem.response_id) == Response.id)
        .where(col(Response.seq) >= scope.since, col(Response.seq) < scope.until)
        .order_by(col(Response.seq), col(Response.id), col(ResponseItem.position))
    )


def _converters(dialect: Dialect, columns: Iterable[Any]) -> list[Callable[[Any], Any]]:
    """What each column's type makes of the driver's value on this database."""

    def same(value: Any) -> Any:
        return value

    return [c.type.dialect_impl(dialect).result_processor(dialect, None) or same for c in columns]


class _CheckIns:
    """A check-in's columns from its first row, for the study's own check-ins only."""

    def __init__(self, scope: Scope, dialect: Dialect) -> None:
        self.scope = scope
        self.convert = _converters(dialect, CHECK_IN)

    def read(self, row: Any) -> Answered | None:
        response_id, who, *rest = (f(v) for f, v in zip(self.convert, row, strict=False))
        # The study is picked out here, not in SQL: see sources.paged for why.
        if who not in self.scope.people:
            return None
        prompt, kind, schedule, instrument, version, protocol, *at, zone, day, late = rest
        anonymizer = self.scope.anonymizer
        name, weeks = anonymizer.person(who)
        refs = (anonymizer.ref("R", response_id), anonymizer.ref("Q", prompt))
        cells = (
            name,
            *refs,
            kind,
            schedule,
            instrument,
            version,
            protocol,
            *(utc_text(a, weeks) for a in at),
            *(local_text(a, zone, weeks) for a in at),
            zone,
            date_text(day, weeks),
            late,
        )
        return Answered(cells, [], self.scope.kinds(instrument, version))


def answered(session: Session, scope: Scope) -> Iterator[list[Answered]]:
    """Every answered check-in of the study in the window, in change order, in batches."""
    connection = session.connection()
    check_ins = _CheckIns(scope, connection.dialect)
    _, _, to_value, to_declined = _converters(connection.dialect, ITEM)
    free_text = scope.free_text
    options = {"stream_results": True, "yield_per": FETCH}
    result = connection.execution_options(**options).execute(_query(scope))
    current: Any = object()  # the raw id of the check-in being read
    batch: list[Answered] = []
    open_: Answered | None = None
    for rows in result.partitions():
        for row in rows:
            if row[0] != current:
                current, open_ = row[0], check_ins.read(row)
                if open_ is not None:
                    batch.append(open_)
            item_id = row[FIRST_ITEM]
            if open_ is None or item_id is None:
                continue  # another study's, or a check-in without items
            # Free text can name her; an item the codebook does not know is treated the same.
            if free_text or open_.kinds.get(item_id, "text") != "text":
                value = row[FIRST_ITEM + 2]
                value = value if value.__class__ is int else to_value(value)
                declined = to_declined(row[FIRST_ITEM + 3])
                open_.items.append(Answer(item_id, row[FIRST_ITEM + 1], value, declined))
        # The last check-in may go on in the next rows: it waits for them.
        still_open = batch[-1:] if batch and batch[-1] is open_ else []
        if len(batch) > len(still_open):
            yield batch[: len(batch) - len(still_open)]
            batch = still_open
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
