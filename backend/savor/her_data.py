"""Participant API: everything the server holds about her, as one JSON document.

Read from the table metadata, not from a list kept by hand: every table that points at her
participant row (and every table that points at one of those, such as a check-in's answers)
is in it, so a table added later cannot be left out. Only secrets are withheld: the digest of
her sign-in token and her device's push keys, which would let someone act as her.
"""

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

from fastapi import APIRouter
from sqlalchemy import String, Table, cast, select
from sqlmodel import Session, SQLModel, col

from savor import models  # noqa: F401  (every table, so the metadata is complete)
from savor.clock import utcnow
from savor.db import SessionDep
from savor.ema.her_scores import her_scores
from savor.research.models import AuditEvent
from savor.studies import agreements
from savor.studies import service as studies_service
from savor.studies.models import Participant, Study
from savor.studies.pseudonym import pseudonym
from savor.studies.signin import CurrentParticipant

router = APIRouter(prefix="/api/v1", tags=["participant"])
SECRET_COLUMNS = {"token_hash", "p256dh", "auth"}
# Internal bookkeeping that tells her nothing: change positions and planning keys.
PLUMBING = {"seq", "plan_key"}


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "hex") and not isinstance(value, int | float | str):  # a UUID
        return str(value)
    return value


def _row(table: Table, row: Any) -> dict[str, Any]:
    return {
        c.name: _value(getattr(row, c.name))
        for c in table.columns
        if c.name not in SECRET_COLUMNS | PLUMBING
    }


def _children(parent: Table) -> Iterator[tuple[Table, str]]:
    """Tables with a foreign key to `parent`'s id, with that key's column."""
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table is parent for fk in column.foreign_keys):
                yield table, column.name


def _held(session: Session, root: Table, root_id: Any) -> dict[str, list]:
    """Her rows of every table below `root`, nearest first: a table that points at her row
    directly is read by that key (a check-in answering no prompt is hers all the same)."""
    out: dict[str, list] = {}
    level: list[tuple[Table, list[Any]]] = [(root, [root_id])]
    while level:
        found = []
        for parent, ids in level:
            for table, key in _children(parent):
                if table.name in out or not ids:
                    continue
                rows = session.execute(select(table).where(table.c[key].in_(ids))).all()
                out[table.name] = [_row(table, r) for r in rows]
                found.append((table, [r.id for r in rows]))
        level = found
    return out


def her_data(*, session: Session, participant: Participant) -> dict[str, Any]:
    study = session.get_one(Study, participant.study_id)
    name = pseudonym(study_secret=study.secret, participant_id=participant.id)
    table: Table = Participant.__table__  # type: ignore[attr-defined]
    held = _held(session, table, participant.id)
    document = studies_service.protocol_document(session=session, study=study)
    scope = agreements.deletion_scope(session=session, participant=participant, document=document)
    # Only events whose detail names her are read (a LIKE on the JSON text), then checked.
    mentions = cast(col(AuditEvent.detail), String).contains(name)
    events = session.execute(
        select(AuditEvent).where(col(AuditEvent.study_id) == study.id, mentions)
    ).all()
    return {
        "exported_at": utcnow().isoformat(),
        "study": {"slug": study.slug, "name": study.name},
        "pseudonym": name,
        "participant": _row(table, participant),
        "on_deletion": scope,
        "records": held,
        # Her questionnaires' totals as her data page shows them (see ema.her_scores).
        "questionnaires": her_scores(
            session=session, participant_id=participant.id, language=participant.language
        ),
        # What the study's audit trail says about her: her consents, and who read her row.
        "audit_events": [
            {"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "detail": e.detail}
            for (e,) in events
            if e.detail.get("pseudonym") == name
        ],
    }


@router.get("/me/export")
def export_me(participant: CurrentParticipant, session: SessionDep) -> dict[str, Any]:
    """Everything the server holds about her, as one JSON document; her journal is not in it
    because it never leaves her phone."""
    return her_data(session=session, participant=participant)
