"""Joining a study: the code she was given, the consent she read, and her first records."""

from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from savor.errors import AppError
from savor.studies import agreements, codes, service
from savor.studies.models import (
    ConsentPreviewRequest,
    ConsentView,
    EnrollmentCode,
    EnrollRequest,
    Participant,
    ParticipantToken,
    Study,
)
from savor.studies.validation import normalize_language, validate_timezone
from savor.tokens import PARTICIPANT_PREFIX, new_token


def _find_code(*, session: Session, raw: str, pepper: bytes, now: datetime) -> EnrollmentCode:
    """The usable code behind what she typed, or the error that tells her what is wrong."""
    normalized = codes.normalize_code(raw)
    if normalized is None:
        raise AppError(
            422,
            "malformed_code",
            "Codes have 8 letters and numbers, like 7KQ2-M9XD. Please check and try again.",
            fields=[{"field": "code", "message": "not an enrollment code"}],
        )
    row = session.exec(
        select(EnrollmentCode).where(
            EnrollmentCode.code_hash == codes.hash_code(normalized, pepper)
        )
    ).first()
    if row is None:
        raise AppError(
            404, "unknown_code", "We could not find that code. Please check each letter."
        )
    if row.used_on is not None:
        raise AppError(
            409, "code_used", "This code was already used. Ask the study team for a new one."
        )
    if row.expires_at <= now:
        raise AppError(
            410, "code_expired", "This code has expired. Ask the study team for a new one."
        )
    return row


def _claim_code(*, session: Session, row: EnrollmentCode, now: datetime) -> None:
    # Conditional update: of two phones racing with one code, exactly one wins.
    claimed = session.execute(
        update(EnrollmentCode)
        .where(col(EnrollmentCode.id) == row.id, col(EnrollmentCode.used_on).is_(None))
        .values(used_on=now.astimezone(UTC).date())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise AppError(
            409, "code_used", "This code was already used. Ask the study team for a new one."
        )


def consent_for_code(
    *, session: Session, request: ConsentPreviewRequest, pepper: bytes, now: datetime
) -> ConsentView:
    """The consent of the study a code belongs to, for her to read before she joins."""
    row = _find_code(session=session, raw=request.code, pepper=pepper, now=now)
    document = service.protocol_document(
        session=session, study=session.get_one(Study, row.study_id)
    )
    language = normalize_language(request.language)
    return agreements.view(document, language=language, agreed=None)


def enroll(
    *, session: Session, request: EnrollRequest, pepper: bytes, now: datetime
) -> tuple[str, Participant]:
    timezone = validate_timezone(request.timezone)
    language = normalize_language(request.language)
    code = _find_code(session=session, raw=request.code, pepper=pepper, now=now)
    study = session.get_one(Study, code.study_id)
    # What the app told her when she joined is what she agreed to: the protocol active now.
    document = service.protocol_document(session=session, study=study)
    # An outdated consent leaves the code unused: she reads the new one and joins with it.
    agreements.check_version(request.consent_version, document)
    _claim_code(session=session, row=code, now=now)
    participant = Participant(
        study_id=study.id, timezone=timezone, language=language, enrolled_at=now
    )
    token, token_hash = new_token(PARTICIPANT_PREFIX)
    session.add(participant)
    session.flush()
    agreements.record_agreement(
        session=session,
        participant=participant,
        document=document,
        protocol=study.active_protocol_version,
        now=now,
    )
    session.add(service.state_of(participant, now))
    session.add(
        ParticipantToken(participant_id=participant.id, token_hash=token_hash, created_at=now)
    )
    session.commit()
    session.refresh(participant)
    return token, participant
