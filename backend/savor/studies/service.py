"""Studies, protocol versions, enrollment codes and participants' own settings."""

import json
import re
import secrets
import uuid
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlmodel import Session, col, select

from savor.errors import AppError
from savor.studies import agreements, codes, consent
from savor.studies.history import History, State
from savor.studies.models import (
    EnrollmentCode,
    HelpResource,
    HelpView,
    Participant,
    ParticipantPublic,
    ParticipantState,
    ParticipantUpdate,
    Protocol,
    Study,
)
from savor.studies.protocol import ProtocolDocument, parse_protocol, refused
from savor.studies.validation import (
    normalize_language,
    validate_timezone,
    validate_waking_window,
)

MAX_CODES_PER_BATCH = 1000


@lru_cache(maxsize=1)
def default_protocol_source() -> str:
    return resources.files("savor.content").joinpath("protocol.default.yaml").read_text("utf-8")


def protocol_source_for(*, slug: str, name: str) -> str:
    """The default protocol, renamed for a new study; comments are kept for whoever edits it."""
    source = re.sub(r"(?m)^study: .*$", f"study: {slug}", default_protocol_source(), count=1)
    return re.sub(r"(?m)^name: .*$", f"name: {json.dumps(name)}", source, count=1)


def get_study(*, session: Session, slug: str) -> Study | None:
    return session.exec(select(Study).where(Study.slug == slug)).first()


def list_studies(*, session: Session) -> list[Study]:
    return list(session.exec(select(Study).order_by(col(Study.slug))))


def active_protocol(*, session: Session, study: Study) -> Protocol:
    protocol = session.exec(
        select(Protocol)
        .where(Protocol.study_id == study.id)
        .where(Protocol.version == study.active_protocol_version)
    ).one()
    return protocol


def apply_protocol(*, session: Session, source: str, now: datetime) -> tuple[Study, bool]:
    """Store `source` as the study's next protocol version, creating the study if new.

    Returns the study and whether anything changed: applying the same document twice is a no-op.
    Whoever takes a protocol from a person first checks its program against the practices
    (practices.catalog.checked_protocol); this checks only what studies itself knows.
    """
    document = parse_protocol(source)
    data: dict[str, Any] = document.model_dump(mode="json")
    study = get_study(session=session, slug=document.study)
    if study is None:
        study = Study(slug=document.study, name=document.name, secret=secrets.token_hex(32))
        study.created_at = now
        study.active_protocol_version = 0
        session.add(study)
        session.flush()  # tables have no ORM relationships, so parents are flushed first
    else:
        stored = active_protocol(session=session, study=study).document
        if stored == data:
            return study, False
        _check_consent_version(ProtocolDocument.model_validate(stored), document)
    study.name = document.name
    study.active_protocol_version += 1
    session.add(
        Protocol(
            study_id=study.id,
            version=study.active_protocol_version,
            source=source,
            document=data,
            created_at=now,
        )
    )
    session.commit()
    session.refresh(study)
    return study, True


def _check_consent_version(before: ProtocolDocument, after: ProtocolDocument) -> None:
    """New consent words need a new version, or nobody would be asked to agree to them."""
    was, now = consent.consent_of(before), consent.consent_of(after)
    if was != now and now.version <= was.version:
        problem = (
            f"the consent changed, so its version must rise above {was.version} "
            "(everyone still in the study is then asked to agree again)"
        )
        raise refused([problem], code="consent_version_unchanged", field="consent.version")


def create_study(*, session: Session, slug: str, name: str, now: datetime) -> Study:
    if get_study(session=session, slug=slug) is not None:
        raise AppError(409, "study_exists", f"A study with the slug '{slug}' already exists.")
    study, _ = apply_protocol(
        session=session, source=protocol_source_for(slug=slug, name=name), now=now
    )
    return study


# A protocol version is never edited once stored, so its parsed form can be kept; the cache is
# keyed by study id and version and bounded, as there are few of either.
_documents: dict[tuple[uuid.UUID, int], ProtocolDocument] = {}
MAX_CACHED_DOCUMENTS = 256


def protocol_document(*, session: Session, study: Study) -> ProtocolDocument:
    key = (study.id, study.active_protocol_version)
    document = _documents.get(key)
    if document is None:
        stored = active_protocol(session=session, study=study).document
        document = ProtocolDocument.model_validate(stored)
        if len(_documents) >= MAX_CACHED_DOCUMENTS:
            _documents.clear()
        _documents[key] = document
    return document


def create_enrollment_codes(
    *,
    session: Session,
    study: Study,
    count: int,
    expires_in_days: int,
    pepper: bytes,
    now: datetime,
) -> list[str]:
    """New single-use codes, shown once: only their keyed hashes are stored."""
    if not 1 <= count <= MAX_CODES_PER_BATCH:
        raise AppError(422, "invalid_count", f"Ask for 1 to {MAX_CODES_PER_BATCH} codes at a time.")
    plain = list(dict.fromkeys(codes.generate_code() for _ in range(count)))
    expires_at = now + timedelta(days=expires_in_days)
    for code in plain:
        session.add(
            EnrollmentCode(
                study_id=study.id,
                code_hash=codes.hash_code(code, pepper),
                created_at=now,
                expires_at=expires_at,
            )
        )
    session.commit()
    return [codes.format_code(c) for c in plain]


def code_is_usable(*, session: Session, code: str, pepper: bytes, now: datetime) -> bool:
    normalized = codes.normalize_code(code)
    row = (
        normalized
        and session.exec(
            select(EnrollmentCode).where(
                EnrollmentCode.code_hash == codes.hash_code(normalized, pepper)
            )
        ).first()
    )
    return bool(row) and row.used_on is None and row.expires_at > now


def participant_public(*, session: Session, participant: Participant) -> ParticipantPublic:
    study = session.get_one(Study, participant.study_id)
    document = protocol_document(session=session, study=study)
    features = consent.features_for(participant, document)
    return ParticipantPublic(
        study=study.slug,
        timezone=participant.timezone,
        language=participant.language,
        wake_time=participant.wake_time,
        sleep_time=participant.sleep_time,
        stage=participant.stage,
        enrolled_at=participant.enrolled_at,
        status="withdrawn" if participant.withdrawn_at else "active",
        withdrawn_at=participant.withdrawn_at,
        practice_reminder_time=participant.practice_reminder_time,
        practice_reminders=document.decisions is not None
        and any(r.kind == "practice_reminder" for r in document.decisions.rules),
        staff_alerts=features.staff_alerts,
        high_rating_threshold=features.high_rating_threshold,
        consent_version=participant.consent_version,
        # Who has left is not asked again.
        consent_needed=participant.withdrawn_at is None
        and consent.needs_consent(participant.consent_version, document),
    )


# What a record's moment is read against: her zone, stage and waking window. Her language
# names no moment of her day, so a change of it is no new state.
TRACKED = ("timezone", "stage", "wake_time", "sleep_time")


def state_of(participant: Participant, now: datetime) -> ParticipantState:
    return ParticipantState(
        participant_id=participant.id,
        at=now,
        timezone=participant.timezone,
        stage=participant.stage,
        wake_time=participant.wake_time,
        sleep_time=participant.sleep_time,
    )


def update_participant(
    *, session: Session, participant: Participant, changes: ParticipantUpdate, now: datetime
) -> Participant:
    """Change her settings; a change of zone, stage or waking window is kept, from `now` on,
    in her history, so what she did before keeps the settings she had then."""
    values = changes.model_dump(exclude_unset=True)
    if values.get("timezone") is not None:
        values["timezone"] = validate_timezone(values["timezone"])
    if values.get("language") is not None:
        values["language"] = normalize_language(values["language"])
    for required in ("timezone", "language", "wake_time", "sleep_time"):
        if required in values and values[required] is None:
            raise AppError(422, "required", f"'{required}' cannot be empty.")
    validate_waking_window(
        values.get("wake_time", participant.wake_time),
        values.get("sleep_time", participant.sleep_time),
    )
    before = [getattr(participant, name) for name in TRACKED]
    participant.sqlmodel_update(values)
    session.add(participant)
    if [getattr(participant, name) for name in TRACKED] != before:
        session.add(state_of(participant, now))
    session.commit()
    session.refresh(participant)
    return participant


def withdraw(*, session: Session, participant: Participant, now: datetime) -> Participant:
    """Leave the study; idempotent, so a retried request keeps the first withdrawal time."""
    if participant.withdrawn_at is None:
        participant.withdrawn_at = now
        session.add(participant)
        agreements.mark_withdrawn(session=session, participant=participant, now=now)
        session.commit()
        session.refresh(participant)
    return participant


def help_for(*, session: Session, participant: Participant) -> HelpView:
    document = protocol_document(
        session=session, study=session.get_one(Study, participant.study_id)
    )
    say = (lambda text: text.es) if participant.language == "es" else (lambda text: text.en)
    return HelpView(
        contact=say(document.contact),
        resources=[
            HelpResource(
                id=r.id,
                name=say(r.name),
                description=say(r.description) if r.description else None,
                phone=r.phone,
                sms=r.sms,
                url=r.url,
            )
            for r in document.crisis_resources
        ],
        staff_alerts=consent.features_for(participant, document).staff_alerts,
    )


def histories(*, session: Session, study: Study) -> dict[uuid.UUID, History]:
    """Every participant's history in the study, by her id. Someone with no state stored
    (written before histories were kept, and not backfilled) has one: her settings now."""
    found: dict[uuid.UUID, list[State]] = {}
    query = (
        select(
            ParticipantState.participant_id,
            ParticipantState.at,
            ParticipantState.timezone,
            ParticipantState.stage,
            ParticipantState.wake_time,
            ParticipantState.sleep_time,
        )
        .join(Participant, col(Participant.id) == ParticipantState.participant_id)
        .where(Participant.study_id == study.id)
    )
    for who, *settings in session.exec(query):
        found.setdefault(who, []).append(State(*settings))
    people = session.exec(select(Participant).where(Participant.study_id == study.id)).all()
    return {p.id: History.of(found.get(p.id) or [_now(p)]) for p in people}


def _now(participant: Participant) -> State:
    p = participant
    return State(p.enrolled_at, p.timezone, p.stage, p.wake_time, p.sleep_time)
