"""Her answers: checked in memory, stored exactly once by the check-in storer, never dropped.

A check-in is the request this service sees most, often in bursts when a phone's offline
outbox drains. The request checks everything it can without the database (her snapshot, her
study's protocol, the instrument she saw) and drafts the record (`ema.drafts`); the storer
(`savor.storing`) hands every waiting draft to `ema.checkin_store`, which builds their rows and
stores them in one set (see there for what it re-reads to stay exact).
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from savor import idempotency
from savor.ema import checkin_store, registry
from savor.ema.answers import crisis_items, facts_asked, validate_answers
from savor.ema.decisions import checkin as decision_checkin
from savor.ema.drafts import Draft
from savor.ema.instruments import Instrument, default_instruments
from savor.ema.models import Offer, ResponseCreate, ResponsePublic
from savor.ema.service import enabled_features
from savor.ema.snapshots import ParticipantSnapshot, SignedIn, Snapshots, StudySnapshot
from savor.errors import AppError, please_check
from savor.storing import Storer
from savor.studies import consent, signin
from savor.studies.models import Participant

CLOCK_SKEW = timedelta(minutes=5)
HIGH_ITEMS = ("C1", "S1")  # craving or stress: a breathing break is offered when high
BREATHING_PRACTICE = "P03"


async def save(
    *,
    snapshots: Snapshots,
    storer: Storer,
    signed_in: SignedIn,
    body: ResponseCreate,
    now: datetime,
) -> tuple[ResponsePublic, bool]:
    """Store an answer set once; a replay returns the stored one (created=False)."""
    instrument = await instrument_asked(
        snapshots.engine, body.instrument_id, body.instrument_version
    )
    try:
        try:
            return await _store(
                snapshots, storer, signed_in, signed_in.participant, body, instrument, now
            )
        except AppError as error:
            if error.code != "invalid_answers":
                raise
        # Her stage, and so the items she is asked, may have changed since her snapshot.
        participant = await snapshots.participant(signed_in.token_hash, fresh=True)
        if participant is None:
            raise signin.signed_out()
        return await _store(snapshots, storer, signed_in, participant, body, instrument, now)
    except AppError as error:
        if error.code in ("invalid_token", "withdrawn"):
            snapshots.forget_token(signed_in.token_hash)
        raise


async def _store(
    snapshots: Snapshots,
    storer: Storer,
    signed_in: SignedIn,
    participant: ParticipantSnapshot,
    body: ResponseCreate,
    instrument: Instrument,
    now: datetime,
) -> tuple[ResponsePublic, bool]:
    study = await snapshots.study(participant.study_id)
    record = draft(signed_in, participant, study, body, instrument, now)
    try:
        return await storer.store(checkin_store.store_drafts, record)
    except checkin_store.StaleProtocolError:
        # The study moved to a new protocol since its snapshot; its rules decide the offers.
        study = await snapshots.study(participant.study_id, fresh=True)
        record = draft(signed_in, participant, study, body, instrument, now)
        return await storer.store(checkin_store.store_drafts, record)


async def instrument_asked(engine: Engine, instrument_id: str, version: str) -> Instrument:
    """The instrument exactly as she saw it; only an earlier version needs the database."""
    latest = default_instruments().get(instrument_id)
    if latest is not None and str(latest.version) == version:
        return latest

    def read() -> Instrument:
        with Session(engine) as session:
            return registry.asked(session=session, instrument_id=instrument_id, version=version)

    return await run_in_threadpool(read)


def draft(
    signed_in: SignedIn,
    participant: ParticipantSnapshot,
    study: StudySnapshot,
    body: ResponseCreate,
    instrument: Instrument,
    now: datetime,
) -> Draft:
    """Check the answer set against what she was asked (every problem named at once).

    Its rows are built by the storer (`ema.checkin_store`), which may have a core of its own.
    """
    answers = [
        {"item_id": a.item_id, "value": a.value, "declined": a.declined} for a in body.answers
    ]
    document = study.document
    features = consent.features_for(participant, document)
    fields = _time_problems(body, participant.enrolled_at, now) + [
        {"field": f"answers.{e.item_id}", "message": e.message}
        for e in validate_answers(
            instrument,
            answers,
            features=enabled_features(features),
            audience=participant.stage,
            context=body.context,
        )
    ]
    fields += _fact_problems(body, instrument)
    if fields:
        raise please_check("invalid_answers", fields)
    crisis = crisis_items(instrument, answers)
    return Draft(
        token_hash=signed_in.token_hash,
        participant_id=participant.id,
        protocol_version=study.protocol_version,
        client_id=body.client_id,
        body_hash=idempotency.body_hash(body),
        prompt_id=body.prompt_id,
        instrument=instrument,
        started_at=body.started_at,
        submitted_at=body.submitted_at,
        received_at=now,
        context=body.context,
        answers=answers,
        offers=_offers(answers, crisis, study, instrument.id),
        crisis=crisis,
        alert_staff=bool(crisis) and features.staff_alerts,
        timezone=participant.timezone,
        decision_point=decision_checkin.point_for(document.decisions, instrument.id, answers),
    )


def _time_problems(body: ResponseCreate, enrolled_at: datetime, now: datetime) -> list[dict]:
    problems = []
    if body.submitted_at > now + CLOCK_SKEW:
        problems.append({"field": "submitted_at", "message": "is in the future; check the clock"})
    if body.submitted_at < enrolled_at - timedelta(days=1):
        problems.append({"field": "submitted_at", "message": "is before she joined the study"})
    if body.started_at and body.started_at > body.submitted_at:
        problems.append({"field": "started_at", "message": "is after submitted_at"})
    return problems


def _fact_problems(body: ResponseCreate, instrument: Instrument) -> list[dict]:
    # Only the names its items ask for are kept: anything else (a name, a note) has no place.
    asked = facts_asked(instrument)
    known = ", ".join(sorted(asked)) or "none"
    return [
        {"field": f"context.{name}", "message": f"{instrument.id} asks for no such fact ({known})"}
        for name in body.context
        if name not in asked
    ]


def _offers(
    answers: list[dict[str, Any]], crisis: list[str], study: StudySnapshot, instrument_id: str
) -> list[tuple[str, str | None]]:
    values = {a["item_id"]: a.get("value") for a in answers if not a.get("declined")}
    found: list[tuple[str, str | None]] = []
    threshold = study.document.features.high_rating_threshold
    high = any(type(values.get(i)) is int and values[i] >= threshold for i in HIGH_ITEMS)
    # What a micro-randomized trial randomizes is the trial's draw alone (ema/decisions).
    trial = study.document.decisions
    fixed = trial is None or instrument_id not in trial.instruments_randomized()
    if fixed and high and BREATHING_PRACTICE in study.catalog.practices:
        found.append(("offer_breathing", BREATHING_PRACTICE))
    if crisis:
        found.append(("crisis_help", None))
    return found


def decide_offer(
    *, session: Session, participant: Participant, offer_id: uuid.UUID, outcome: str, now: datetime
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
