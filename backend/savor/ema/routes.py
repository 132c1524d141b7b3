"""Participant API: instruments, her prompts, her answers, and what she does with offers."""

import uuid

from fastapi import APIRouter, Request, Response
from sqlmodel import Session

from savor.clock import utcnow
from savor.db import SessionDep
from savor.ema import checkins as ema_checkins
from savor.ema import prompts as ema_prompts
from savor.ema import registry, study_instruments
from savor.ema import service as ema_service
from savor.ema.decisions import probe_decide
from savor.ema.decisions.checkin import OFFER_RULE_PREFIX
from savor.ema.instruments import default_instruments
from savor.ema.models import (
    OfferDecision,
    OfferPublic,
    Prompt,
    ResponseCreate,
    ResponsePublic,
)
from savor.ema.snapshots import SignedInParticipant
from savor.practices import service as practices_service
from savor.studies import consent
from savor.studies.models import Participant
from savor.studies.protocol import ProtocolDocument
from savor.studies.signin import ActiveParticipant, CurrentParticipant

router = APIRouter(prefix="/api/v1", tags=["check-ins"])


def _context(session, participant: Participant) -> tuple[ProtocolDocument, set[str]]:
    _, document, _ = practices_service.context_for(session=session, participant=participant)
    return document, ema_service.enabled_features(consent.features_for(participant, document))


def _prompt_view(
    session: Session, prompt: Prompt, participant: Participant, features: set[str]
) -> dict:
    # A shipped instrument as it is now; a study's own as it was planned, from its stored row.
    instrument = default_instruments().get(prompt.instrument_id) or registry.asked(
        session=session, instrument_id=prompt.instrument_id, version=prompt.instrument_version
    )
    return {
        "id": prompt.id,
        "kind": prompt.kind,
        "schedule_id": prompt.schedule_id,
        "local_date": prompt.local_date,
        "status": prompt.status,
        "scheduled_at": prompt.scheduled_at,
        "expires_at": prompt.expires_at,
        "sent_at": prompt.sent_at,
        "opened_at": prompt.opened_at,
        "completed_at": prompt.completed_at,
        "instrument": registry.present(
            instrument,
            language=participant.language,
            features=features,
            audience=participant.stage,
        ),
    }


@router.get("/instruments/{instrument_id}")
def read_instrument(
    instrument_id: str, participant: CurrentParticipant, session: SessionDep
) -> dict:
    """A check-in in her language with only the items she is asked."""
    document, features = _context(session, participant)
    return registry.present(
        study_instruments.resolve(document, instrument_id),
        language=participant.language,
        features=features,
        audience=participant.stage,
    )


@router.get("/prompts")
def read_prompts(participant: CurrentParticipant, session: SessionDep) -> list[dict]:
    """Check-ins she can answer now, with their items."""
    _, features = _context(session, participant)
    prompts = ema_prompts.open_prompts(session=session, participant=participant, now=utcnow())
    return [_prompt_view(session, p, participant, features) for p in prompts]


@router.get("/prompts/upcoming")
def read_upcoming_prompts(participant: CurrentParticipant, session: SessionDep) -> list[dict]:
    """Check-ins planned for later today and tomorrow, so she knows her day."""
    _, features = _context(session, participant)
    prompts = ema_prompts.upcoming(session=session, participant=participant, now=utcnow())
    return [_prompt_view(session, p, participant, features) for p in prompts]


@router.post("/prompts/{prompt_id}/opened")
def create_prompt_opening(
    prompt_id: uuid.UUID, participant: ActiveParticipant, session: SessionDep
) -> dict:
    """She opened the check-in (the first time counts)."""
    _, features = _context(session, participant)
    prompt = ema_prompts.her_prompt(session=session, participant=participant, prompt_id=prompt_id)
    prompt = ema_prompts.mark_opened(session=session, prompt=prompt, now=utcnow())
    return _prompt_view(session, prompt, participant, features)


@router.get("/prompts/{prompt_id}/offer")
def read_probe_offer(
    prompt_id: uuid.UUID, participant: CurrentParticipant, session: SessionDep
) -> dict:
    """The practice a notification of hers offers (its push names none): a random-time
    probe's offer, opened from the notification."""
    prompt = ema_prompts.her_prompt(session=session, participant=participant, prompt_id=prompt_id)
    decision = probe_decide.offer_of(session, prompt)
    if decision is None or decision.practice_id is None:
        raise ema_prompts.unknown_prompt()
    return {
        "prompt_id": prompt.id,
        "practice_id": decision.practice_id,
        "rule": OFFER_RULE_PREFIX + decision.rule,
        "open": ema_prompts.is_open(prompt, now=utcnow()),
        "expires_at": prompt.expires_at,
    }


@router.post("/responses", response_model=ResponsePublic, status_code=201)
async def create_response(
    body: ResponseCreate, who: SignedInParticipant, request: Request, response: Response
) -> ResponsePublic:
    """Save her answers; the same record sent again returns it unchanged (200)."""
    # Async, and no database read on the way in: the busiest route waits on no thread.
    stored, created = await ema_checkins.save(
        snapshots=request.app.state.snapshots,
        storer=request.app.state.checkin_storer,
        signed_in=who,
        body=body,
        now=utcnow(),
    )
    if not created:
        response.status_code = 200
    return stored


@router.post("/offers/{offer_id}", response_model=OfferPublic)
def update_offer(
    offer_id: uuid.UUID, body: OfferDecision, participant: ActiveParticipant, session: SessionDep
) -> OfferPublic:
    """Whether she took up a suggestion (a breathing break, crisis help)."""
    offer = ema_checkins.decide_offer(
        session=session,
        participant=participant,
        offer_id=offer_id,
        outcome=body.outcome,
        now=utcnow(),
    )
    return OfferPublic.model_validate(offer, from_attributes=True)
