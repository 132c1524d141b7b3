"""Participant API: joining, changing and leaving the study, which reach across domains.

Enrolling plans her first prompts (ema), a change of zone or hours re-plans them, and leaving
cancels them and forgets her devices (notify); studies alone knows none of that.
"""

from fastapi import APIRouter

from savor.clock import utcnow
from savor.consenting import audit_her
from savor.db import SessionDep
from savor.deps import ClientKeyDep, EnrollLimiterDep, SettingsDep
from savor.ema import service as ema_service
from savor.errors import AppError
from savor.notify import service as notify_service
from savor.ratelimit import guess_keys
from savor.studies import codes, enrollment
from savor.studies import service as studies_service
from savor.studies.models import (
    ConsentPreviewRequest,
    ConsentView,
    EnrollRequest,
    EnrollResponse,
    ParticipantPublic,
    ParticipantUpdate,
)
from savor.studies.signin import ActiveParticipant, CurrentParticipant

router = APIRouter(prefix="/api/v1", tags=["participant"])

# Failures that suggest guessing; a bad time zone or language is an honest mistake.
_GUESSING_CODES = {"malformed_code", "unknown_code", "code_used", "code_expired"}
# Wrong codes also count under their first symbols, so guessers on many addresses who close in
# on one code are slowed down too.
GUESSED_CODE_CHARS = 4


def code_guess_keys(client: str, raw_code: str) -> list[str]:
    normalized = codes.normalize_code(raw_code)
    return guess_keys(client, normalized[:GUESSED_CODE_CHARS] if normalized else None)


@router.post("/enroll/consent", response_model=ConsentView)
def read_enroll_consent(
    body: ConsentPreviewRequest,
    session: SessionDep,
    settings: SettingsDep,
    limiter: EnrollLimiterDep,
    client: ClientKeyDep,
) -> ConsentView:
    """The consent of the code's study, to read before joining (the code is not used up);
    wrong codes count as guesses, as for /enroll."""
    now = utcnow()
    keys = code_guess_keys(client, body.code)
    limiter.refuse_if_locked(keys, now=now, what="codes")
    try:
        return enrollment.consent_for_code(
            session=session, request=body, pepper=settings.pepper(), now=now
        )
    except AppError as error:
        if error.code in _GUESSING_CODES:
            limiter.record_failure(keys, now=now)
        raise


@router.post("/enroll", response_model=EnrollResponse, status_code=201)
def create_enrollment(
    body: EnrollRequest,
    session: SessionDep,
    settings: SettingsDep,
    limiter: EnrollLimiterDep,
    client: ClientKeyDep,
) -> EnrollResponse:
    """Join a study with a code from the study team."""
    now = utcnow()
    keys = code_guess_keys(client, body.code)
    # A locked client waits before any code is even looked at, so waiting is never a way to
    # test codes.
    limiter.refuse_if_locked(keys, now=now, what="codes")
    try:
        token, participant = enrollment.enroll(
            session=session, request=body, pepper=settings.pepper(), now=now
        )
    except AppError as error:
        if error.code in _GUESSING_CODES:
            limiter.record_failure(keys, now=now)
        raise
    audit_her(session, participant, "consent.agreed", now, version=participant.consent_version)
    session.commit()
    ema_service.plan_for(session=session, participant=participant, now=now)
    public = studies_service.participant_public(session=session, participant=participant)
    return EnrollResponse(token=token, participant=public)


@router.patch("/me", response_model=ParticipantPublic)
def update_me(
    body: ParticipantUpdate, participant: ActiveParticipant, session: SessionDep
) -> ParticipantPublic:
    """Change time zone, language, waking hours or stage."""
    now = utcnow()
    updated = studies_service.update_participant(
        session=session, participant=participant, changes=body, now=now
    )
    # Her coming prompts follow her new zone or hours; what already happened stays as it was.
    ema_service.plan_for(session=session, participant=updated, now=now)
    return studies_service.participant_public(session=session, participant=updated)


@router.post("/me/withdraw", response_model=ParticipantPublic)
def withdraw_me(participant: CurrentParticipant, session: SessionDep) -> ParticipantPublic:
    """Leave the study; nothing more is collected."""
    now = utcnow()
    if participant.withdrawn_at is None:
        audit_her(session, participant, "consent.withdrawn", now)
    withdrawn = studies_service.withdraw(session=session, participant=participant, now=now)
    ema_service.stop_for(session=session, participant=withdrawn, now=now)
    notify_service.remove_all(session=session, participant=withdrawn)
    return studies_service.participant_public(session=session, participant=withdrawn)
