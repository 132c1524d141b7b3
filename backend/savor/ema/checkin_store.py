"""Check-ins stored as a set: a few statements for all waiting records, not a few for each.

Runs where the check-in storer stores its sets (the writer process, or the writer thread:
see `savor.storing`), inside the transaction that commits the records. The request drafted
each record from in-memory snapshots; here, read fresh for the whole set, is what must be
exact when it is stored: the token still stands and she has not left, her time zone (for the
local date), the study's active protocol version, whether she agreed to staff alerts (no
alert is raised otherwise), whether a record with the same client id already exists, and each
prompt's state. Each draft is answered on its own, with the stored record or the error it met.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from savor import idempotency
from savor.ema import checkin_reads, checkin_rows, registry
from savor.ema import prompts as ema_prompts
from savor.ema.checkin_reads import Holder, PromptState
from savor.ema.decisions import checkin as decision_checkin
from savor.ema.decisions.models import Decision
from savor.ema.drafts import Draft
from savor.ema.instruments import Instrument
from savor.ema.models import (
    InstrumentVersion,
    Prompt,
    ResponsePublic,
)
from savor.errors import AppError
from savor.studies import signin

Stored = tuple[ResponsePublic, bool]


class StaleProtocolError(AppError):
    """The draft followed a protocol the study has since replaced; it must be drafted again."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "protocol_changed",
            "The study changed just now; please send this again.",
            headers={"Retry-After": "1"},
        )


@dataclass
class _Rows:
    responses: list[tuple[Any, ...]] = field(default_factory=list)
    items: list[tuple[Any, ...]] = field(default_factory=list)
    offers: list[tuple[Any, ...]] = field(default_factory=list)
    alerts: list[tuple[Any, ...]] = field(default_factory=list)
    scores: list[tuple[Any, ...]] = field(default_factory=list)
    instruments: dict[tuple[str, int | str], Instrument] = field(default_factory=dict)
    decided: decision_checkin.SetDecisions = field(default_factory=decision_checkin.SetDecisions)


def _table(model: Any) -> Table:
    return model.__table__


def store_drafts(session: Session, drafts: Sequence[Draft]) -> list[Stored | AppError]:
    connection = session.connection()
    holders = checkin_reads.holders(connection, {d.token_hash for d in drafts})
    earlier = checkin_reads.earlier(connection, drafts)
    prompts = checkin_reads.prompts(
        connection, {d.prompt_id for d in drafts if d.prompt_id is not None}
    )
    rows = _Rows()
    outcomes: list[Stored | AppError] = []
    for draft in drafts:
        try:
            outcomes.append(_recheck_and_add(connection, draft, holders, earlier, prompts, rows))
        except AppError as error:
            outcomes.append(error)
    _insert(session, connection, rows)
    return outcomes


def _recheck_and_add(
    connection: Connection,
    draft: Draft,
    holders: dict[str, Holder],
    earlier: dict[tuple[uuid.UUID, uuid.UUID], tuple[ResponsePublic, str]],
    prompts: dict[uuid.UUID, PromptState],
    rows: _Rows,
) -> Stored:
    holder = holders.get(draft.token_hash)
    if holder is None or holder.participant_id != draft.participant_id:
        raise signin.signed_out()
    if holder.withdrawn_at is not None:
        raise signin.withdrawn()
    key = (draft.participant_id, draft.client_id)
    if (found := earlier.get(key)) is not None:
        public, digest = found
        return idempotency.replayed(
            (public, False), stored_hash=digest, sent_hash=draft.body_hash, what="answer"
        )
    if holder.protocol_version != draft.protocol_version:
        raise StaleProtocolError()
    if draft.alert_staff and not holder.agreed_features.get("staff_alerts", False):
        # Drafted from a copy of her that may be out of date: she never agreed to be watched.
        draft = replace(draft, alert_staff=False)
    prompt = None
    if draft.prompt_id is not None:
        prompt = _claim(connection, draft, prompts.get(draft.prompt_id))
    public = _add(connection, rows, draft, holder, prompt)
    earlier[key] = (public, draft.body_hash)  # a second copy later in this set is a replay
    return public, True


def _claim(connection: Connection, draft: Draft, prompt: PromptState | None) -> PromptState:
    """Mark her prompt answered; a prompt answers once, whoever asks first."""
    if prompt is None or prompt.participant_id != draft.participant_id:
        raise ema_prompts.unknown_prompt()
    if prompt.instrument_id != draft.instrument.id:
        raise AppError(
            422,
            "wrong_instrument",
            f"This check-in asks '{prompt.instrument_id}', not '{draft.instrument.id}'.",
            fields=[{"field": "instrument_id", "message": "does not match the prompt"}],
        )
    if prompt.status == "cancelled":
        raise AppError(409, "prompt_cancelled", "This check-in was withdrawn before it was due.")
    if prompt.status == "completed":
        raise AppError(409, "prompt_already_answered", "This check-in was already answered.")
    claimed = connection.execute(
        update(_table(Prompt))
        .where(_table(Prompt).c.id == draft.prompt_id)
        .where(_table(Prompt).c.status.not_in(("completed", "cancelled")))
        .values(
            status="completed",
            completed_at=draft.submitted_at,
            answered_late=draft.submitted_at > prompt.expires_at,
        )
    )
    if claimed.rowcount != 1:  # answered meanwhile by another process
        raise AppError(409, "prompt_already_answered", "This check-in was already answered.")
    prompt.status = "completed"  # a second answer to it later in this set is refused
    return prompt


def _add(
    connection: Connection,
    rows: _Rows,
    draft: Draft,
    holder: Holder,
    prompt: PromptState | None,
) -> ResponsePublic:
    late = prompt is not None and draft.submitted_at > prompt.expires_at
    facts: dict[str, Any] = {}
    if prompt is not None:
        facts |= {"kind": prompt.kind, "protocol_version": prompt.protocol_version, "late": late}
    # Stored as her zone when the server stored the answer, as before: exports never read it
    # for local times but look her zone up in her history at submitted_at (research/exports),
    # one rule for every dataset. Looking the history up here would add a read to every set
    # on the check-in path the ingest benchmark measures, for a value nothing reads back.
    if holder.timezone != draft.timezone:
        facts["timezone"] = holder.timezone
    decision = None
    if draft.decision_point is not None:
        draft, decision = _decide(connection, rows, draft, holder)
    if draft.crisis:
        rows.decided.crises[draft.participant_id] = draft.received_at
    prepared = checkin_rows.prepare(draft, connection.dialect, **facts)
    if decision is not None:
        rows.decided.decisions.append(decision | {"response_id": prepared.response_id})
    instrument = draft.instrument
    rows.instruments[(instrument.id, instrument.version)] = instrument
    rows.responses.append(prepared.response)
    rows.items += prepared.items
    rows.offers += prepared.offers
    rows.alerts += prepared.alerts
    rows.scores += prepared.scores
    return ResponsePublic(
        id=prepared.response_id,
        client_id=draft.client_id,
        prompt_id=draft.prompt_id,
        instrument_id=instrument.id,
        instrument_version=str(instrument.version),
        submitted_at=draft.submitted_at,
        received_at=draft.received_at,
        late=late,
        crisis=bool(draft.crisis),
        offers=prepared.offers_public,
    )


def _decide(
    connection: Connection, rows: _Rows, draft: Draft, holder: Holder
) -> tuple[Draft, dict[str, Any]]:
    """Her decision point decided before its offer is made (ema/decisions/checkin.py)."""
    assert draft.decision_point is not None
    offer, decision = decision_checkin.decide(
        connection,
        rows.decided,
        point=draft.decision_point,
        participant_id=draft.participant_id,
        client_id=draft.client_id,
        crisis=bool(draft.crisis),
        late=draft.received_at - draft.submitted_at > decision_checkin.LATE_AFTER,
        protocol_version=draft.protocol_version,
        timezone=holder.timezone,
        now=draft.received_at,
    )
    if offer is not None:
        draft = replace(draft, offers=[offer, *draft.offers])
    return draft, decision


_FINGERPRINT = (
    select(InstrumentVersion.fingerprint)
    .where(InstrumentVersion.instrument_id == bindparam("instrument_id"))
    .where(InstrumentVersion.version == bindparam("version"))
)


def _insert(session: Session, connection: Connection, rows: _Rows) -> None:
    for instrument in rows.instruments.values():
        stored = connection.execute(
            _FINGERPRINT, {"instrument_id": instrument.id, "version": str(instrument.version)}
        ).scalar()
        if stored != checkin_rows.fingerprint(instrument):
            # Asked for the first time, or reworded without a new version (which it refuses).
            registry.register(session=session, instrument=instrument)
    encode = checkin_rows.encoders(connection.dialect)
    for encoder, values in (
        (encode.response, rows.responses),
        (encode.item, rows.items),
        (encode.offer, rows.offers),
        (encode.alert, rows.alerts),
        (encode.score, rows.scores),
    ):
        if values:
            encoder.insert(connection, values)
    # After the responses they belong to: a follow-up prompt, then the decision naming it.
    if rows.decided.prompts:
        connection.execute(insert(_table(Prompt)), rows.decided.prompts)
    if rows.decided.decisions:
        connection.execute(insert(_table(Decision)), rows.decided.decisions)
