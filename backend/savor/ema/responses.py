"""Her answers: stored exactly once, checked against the version she saw, never dropped."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from savor import idempotency
from savor.ema import prompts as ema_prompts
from savor.ema import registry
from savor.ema.answers import crisis_items, validate_answers
from savor.ema.instruments import Instrument
from savor.ema.models import Offer, Prompt, Response, ResponseCreate, ResponseItem, StaffAlert
from savor.errors import AppError
from savor.practices import progress
from savor.studies.models import Participant
from savor.studies.protocol import ProtocolDocument
from savor.writer import Write, WriteQueue

CLOCK_SKEW = timedelta(minutes=5)
HIGH_ITEMS = ("C1", "S1")  # craving or stress: a breathing break is offered when high
BREATHING_PRACTICE = "P03"


def _stored(session: Session, participant: Participant, body: ResponseCreate) -> Response | None:
    return idempotency.find(session, Response, participant.id, body.client_id)


def _replayed(stored: Response, digest: str) -> Response:
    return idempotency.replayed(stored, digest, "answer")


def _prompt_for(session: Session, participant: Participant, body: ResponseCreate) -> Prompt | None:
    if body.prompt_id is None:
        return None
    prompt = ema_prompts.her_prompt(
        session=session, participant=participant, prompt_id=body.prompt_id
    )
    if prompt.instrument_id != body.instrument_id:
        raise AppError(
            422,
            "wrong_instrument",
            f"This check-in asks '{prompt.instrument_id}', not '{body.instrument_id}'.",
            fields=[{"field": "instrument_id", "message": "does not match the prompt"}],
        )
    if prompt.status == "completed":
        raise AppError(409, "prompt_already_answered", "This check-in was already answered.")
    if prompt.status == "cancelled":
        raise AppError(409, "prompt_cancelled", "This check-in was withdrawn before it was due.")
    return prompt


def _time_problems(body: ResponseCreate, participant: Participant, now: datetime) -> list[dict]:
    problems = []
    if body.submitted_at > now + CLOCK_SKEW:
        problems.append({"field": "submitted_at", "message": "is in the future; check the clock"})
    if body.submitted_at < participant.enrolled_at - timedelta(days=1):
        problems.append({"field": "submitted_at", "message": "is before she joined the study"})
    if body.started_at and body.started_at > body.submitted_at:
        problems.append({"field": "started_at", "message": "is after submitted_at"})
    return problems


def _offers(
    *,
    instrument: Instrument,
    answers: list[dict],
    document: ProtocolDocument,
    practices_offered: bool,
) -> list[tuple[str, str | None]]:
    values = {a["item_id"]: a.get("value") for a in answers if not a.get("declined")}
    found: list[tuple[str, str | None]] = []
    threshold = document.features.high_rating_threshold
    high = any(type(values.get(i)) is int and values[i] >= threshold for i in HIGH_ITEMS)
    if high and practices_offered:
        found.append(("offer_breathing", BREATHING_PRACTICE))
    if crisis_items(instrument, answers):
        found.append(("crisis_help", None))
    return found


def _rows(
    *,
    participant: Participant,
    body: ResponseCreate,
    body_hash: str,
    prompt: Prompt | None,
    instrument: Instrument,
    answers: list[dict],
    document: ProtocolDocument,
    breathing_available: bool,
    protocol_version: int,
    now: datetime,
) -> list[SQLModel]:
    """Everything one answer set stores, built before the write so the writer stays quick."""
    late = prompt is not None and body.submitted_at > prompt.expires_at
    response = Response(
        participant_id=participant.id,
        client_id=body.client_id,
        prompt_id=body.prompt_id,
        kind=prompt.kind if prompt else "self",
        instrument_id=instrument.id,
        instrument_version=str(instrument.version),
        instrument_fingerprint=instrument.fingerprint,
        protocol_version=prompt.protocol_version if prompt else protocol_version,
        started_at=body.started_at,
        submitted_at=body.submitted_at,
        received_at=now,
        timezone=participant.timezone,
        local_date=progress.local_date(body.submitted_at, participant.timezone),
        late=late,
        context=body.context,
        body_hash=body_hash,
    )
    rows: list[SQLModel] = [response]
    rows += [
        Offer(
            participant_id=participant.id,
            response_id=response.id,
            rule=rule,
            practice_id=practice_id,
            offered_at=now,
        )
        for rule, practice_id in _offers(
            instrument=instrument,
            answers=answers,
            document=document,
            practices_offered=breathing_available,
        )
    ]
    crisis = crisis_items(instrument, answers)
    if crisis and document.features.staff_alerts:
        rows.append(
            StaffAlert(
                participant_id=participant.id, response_id=response.id, items=crisis, created_at=now
            )
        )
    return rows


def _item_rows(response: Response, answers: list[dict], instrument: Instrument) -> list[dict]:
    # Plain rows for one executemany: building ORM objects per answer costs more than the write.
    sensitive = {item.id for item in instrument.items if item.sensitive}
    return [
        {
            "id": uuid.uuid4(),
            "response_id": response.id,
            "item_id": a["item_id"],
            "position": position,
            "value": None if a["declined"] else a["value"],
            "declined": a["declined"],
            "sensitive": a["item_id"] in sensitive,
        }
        for position, a in enumerate(answers)
    ]


def _store(
    rows: list[SQLModel], items: list[dict], prompt: Prompt | None, instrument: Instrument
) -> Write:
    response = rows[0]
    assert isinstance(response, Response)

    def write(session: Session) -> Response:
        # Serialized in the writer: a second delivery of the same record finds the first.
        existing = idempotency.find(session, Response, response.participant_id, response.client_id)
        if existing is not None:
            return existing
        if prompt is not None:
            claimed = session.execute(
                update(Prompt)
                .where(col(Prompt.id) == prompt.id)
                .where(col(Prompt.status).not_in(("completed", "cancelled")))
                .values(
                    status="completed",
                    completed_at=response.submitted_at,
                    answered_late=response.late,
                )
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                raise AppError(
                    409, "prompt_already_answered", "This check-in was already answered."
                )
        registry.register(session=session, instrument=instrument)
        session.add(response)
        session.flush()  # the answers and offers refer to it
        session.execute(insert(ResponseItem), items)
        session.add_all(rows[1:])
        session.flush()
        return response

    return write


def record_response(
    *,
    session: Session,
    writer: WriteQueue,
    participant: Participant,
    body: ResponseCreate,
    document: ProtocolDocument,
    features: set[str],
    breathing_available: bool,
    protocol_version: int,
    now: datetime,
) -> tuple[Response, bool]:
    """Store an answer set once; a replay returns the stored one (created=False)."""
    body_hash = idempotency.body_hash(body)
    if (stored := _stored(session, participant, body)) is not None:
        return _replayed(stored, body_hash), False
    prompt = _prompt_for(session, participant, body)
    instrument = registry.asked(
        session=session, instrument_id=body.instrument_id, version=body.instrument_version
    )
    answers = [a.model_dump() for a in body.answers]
    fields = _time_problems(body, participant, now) + [
        {"field": f"answers.{e.item_id}", "message": e.message}
        for e in validate_answers(
            instrument, answers, features=features, audience=participant.stage, context=body.context
        )
    ]
    if fields:
        summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        raise AppError(422, "invalid_answers", f"Please check: {summary}", fields=fields)
    rows = _rows(
        participant=participant,
        body=body,
        body_hash=body_hash,
        prompt=prompt,
        instrument=instrument,
        answers=answers,
        document=document,
        breathing_available=breathing_available,
        protocol_version=protocol_version,
        now=now,
    )
    items = _item_rows(rows[0], answers, instrument)  # type: ignore[arg-type]
    try:
        saved = writer.submit(_store(rows, items, prompt, instrument))
    except IntegrityError:
        # Another process stored the same record at the same moment; the first one won.
        if (stored := _stored(session, participant, body)) is None:
            raise
        return _replayed(stored, body_hash), False
    if saved.id != rows[0].id:
        return _replayed(saved, body_hash), False
    return saved, True


def offers_for(*, session: Session, response: Response) -> list[Offer]:
    return list(session.exec(select(Offer).where(Offer.response_id == response.id)))


def decide_offer(
    *, session: Session, participant: Participant, offer_id, outcome: str, now: datetime
) -> Offer:
    offer = session.get(Offer, offer_id)
    if offer is None or offer.participant_id != participant.id:
        raise AppError(404, "unknown_offer", "This suggestion was not found.")
    if offer.outcome == "offered":
        offer.outcome, offer.decided_at = outcome, now
        session.add(offer)
        session.commit()
        session.refresh(offer)
    elif offer.outcome != outcome:
        raise AppError(409, "offer_decided", f"This suggestion was already {offer.outcome}.")
    return offer
