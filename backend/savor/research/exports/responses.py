"""Answered check-ins a page at a time, and their long, wide and item-by-item shapes."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Row
from sqlmodel import Session, col, select

from savor.ema.models import Prompt, Response, ResponseItem
from savor.research.anonymize import date_text
from savor.research.cursor import pages
from savor.research.exports.sources import Page, Scope, times


@dataclass(frozen=True)
class Answered:
    """One answered check-in: its response columns and its answers in the order shown."""

    row: dict[str, Any]
    items: list[dict[str, Any]]  # item_id, item_position, value, declined, type


def _query() -> Any:
    return (
        select(
            Response.participant_id,
            Response.prompt_id,
            Response.kind,
            Response.instrument_id,
            Response.instrument_version,
            Response.protocol_version,
            Response.started_at,
            Response.submitted_at,
            Response.received_at,
            Response.timezone,
            Response.local_date,
            Response.late,
            Prompt.schedule_id,
            Prompt.scheduled_at,
            Prompt.sent_at,
            Prompt.opened_at,
        )
        .select_from(Response)
        .outerjoin(Prompt, col(Prompt.id) == Response.prompt_id)
    )


def _items(session: Session, ids: list[Any]) -> dict[Any, list[Row[Any]]]:
    rows = session.execute(
        select(
            ResponseItem.response_id,
            ResponseItem.item_id,
            ResponseItem.position,
            ResponseItem.value,
            ResponseItem.declined,
        )
        .where(col(ResponseItem.response_id).in_(ids))
        .order_by(col(ResponseItem.response_id), col(ResponseItem.position))
    ).all()
    found: dict[Any, list[Row[Any]]] = {}
    for row in rows:
        found.setdefault(row.response_id, []).append(row)
    return found


def _answered(scope: Scope, r: Row[Any], items: list[Row[Any]]) -> Answered:
    name, weeks = scope.anonymizer.person(r.participant_id)
    row: dict[str, Any] = {
        "pseudonym": name,
        "response_ref": scope.anonymizer.ref("R", r[-1]),
        "prompt_ref": scope.anonymizer.ref("Q", r.prompt_id),
        "prompt_kind": r.kind,
        "schedule_id": r.schedule_id,
        "instrument_id": r.instrument_id,
        "instrument_version": r.instrument_version,
        "protocol_version": r.protocol_version,
    }
    at = {n: getattr(r, n) for n in ("scheduled_at", "sent_at", "opened_at", "started_at")}
    at |= {"submitted_at": r.submitted_at, "received_at": r.received_at}
    times(row, at, r.timezone, weeks)
    row.update(timezone=r.timezone, local_date=date_text(r.local_date, weeks), late=r.late)
    kinds, free_text = scope.kinds(r.instrument_id, r.instrument_version), scope.free_text
    answers = [
        {
            "item_id": i.item_id,
            "item_position": i.position,
            "value": i.value,
            "declined": i.declined,
            "type": kinds.get(i.item_id),
        }
        for i in items
        # Free text can name her; an item the codebook does not know is treated the same way.
        if free_text or kinds.get(i.item_id, "text") != "text"
    ]
    return Answered(row=row, items=answers)


def answered(session: Session, scope: Scope) -> Iterator[list[Answered]]:
    """Every answered check-in in the window, in change order, a page at a time."""
    window = {"since": scope.since, "until": scope.until}
    for rows in pages(session, _query(), seq=Response.seq, key=Response.id, **window):
        # The study is picked out here, not in SQL: see sources.paged for why.
        ours = [r for r in rows if r.participant_id in scope.people]
        items = _items(session, [r[-1] for r in ours]) if ours else {}
        yield [_answered(scope, r, items.get(r[-1], [])) for r in ours]


def long_rows(batches: Iterable[list[Answered]]) -> Iterator[Page]:
    """One row per answered item."""
    for batch in batches:
        yield [{**a.row, **item} for a in batch for item in a.items]


def wide_rows(batches: Iterable[list[Answered]]) -> Iterator[Page]:
    """One row per answered check-in, one column per item."""
    for batch in batches:
        page = []
        for a in batch:
            declined = [i["item_id"] for i in a.items if i["declined"]]
            values = {i["item_id"]: i["value"] for i in a.items if not i["declined"]}
            page.append({**a.row, "declined": " ".join(declined) or None, **values})
        yield page
