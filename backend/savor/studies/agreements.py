"""Her agreements to the study's consent, and deletion at her request.

Each agreement is a consent_record row: the version she read, the switches it covers and
what a deletion would remove. She agrees when she joins and again to each newer version;
until she does, her switches stay as she agreed them (studies/consent.py).
"""

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from savor.errors import AppError
from savor.studies import consent
from savor.studies.models import (
    ConsentRecord,
    ConsentView,
    Participant,
    ParticipantDeletion,
    ParticipantToken,
    Study,
)
from savor.studies.protocol import ProtocolDocument
from savor.studies.pseudonym import pseudonym

EVERYTHING = "everything"


def outdated(version: int | None, document: ProtocolDocument) -> AppError:
    current = consent.consent_of(document).version
    return AppError(
        409,
        "consent_outdated",
        f"The consent changed (version {version} was read, {current} is current). "
        "Please read the new version and agree to it.",
        fields=[{"field": "consent_version", "message": f"the current version is {current}"}],
    )


def check_version(version: int | None, document: ProtocolDocument) -> None:
    if consent.needs_consent(version, document):
        raise outdated(version, document)


def view(document: ProtocolDocument, *, language: str, agreed: int | None) -> ConsentView:
    """The consent as the app shows it, in her language."""
    found = consent.consent_of(document)
    say = (lambda text: text.es) if language == "es" else (lambda text: text.en)
    return ConsentView(
        version=found.version,
        language="es" if language == "es" else "en",
        key_facts=[say(fact) for fact in found.key_facts],
        document=say(found.document),
        staff_alerts=document.features.staff_alerts,
        on_deletion=found.on_deletion,
        agreed_version=agreed,
    )


def record_agreement(
    *,
    session: Session,
    participant: Participant,
    document: ProtocolDocument,
    protocol: int,
    now: datetime,
) -> ConsentRecord:
    """She agreed to the current consent: her switches become what it covers, from now on."""
    found = consent.consent_of(document)
    participant.agreed_features = consent.agreed_features(document.features)
    participant.agreed_protocol_version = protocol
    participant.consent_version = found.version
    record = ConsentRecord(
        participant_id=participant.id,
        version=found.version,
        protocol_version=protocol,
        agreed_at=now,
        features=dict(participant.agreed_features),
        on_deletion=found.on_deletion,
    )
    session.add(participant)
    session.add(record)
    return record


def records(*, session: Session, participant: Participant) -> list[ConsentRecord]:
    query = select(ConsentRecord).where(ConsentRecord.participant_id == participant.id)
    return list(session.exec(query.order_by(col(ConsentRecord.agreed_at))))


def mark_withdrawn(*, session: Session, participant: Participant, now: datetime) -> None:
    """She left: her agreements end now (each keeps what it covered)."""
    session.execute(
        update(ConsentRecord)
        .where(col(ConsentRecord.participant_id) == participant.id)
        .where(col(ConsentRecord.withdrawn_at).is_(None))
        .values(withdrawn_at=now)
    )


def deletion_scope(
    *, session: Session, participant: Participant, document: ProtocolDocument
) -> str:
    """What her deletion request removes: as the consent she last agreed to said, else as the
    study's consent says now."""
    agreed = records(session=session, participant=participant)
    return agreed[-1].on_deletion if agreed else consent.consent_of(document).on_deletion


def delete_everything(*, session: Session, participant: Participant, now: datetime) -> str:
    """Her rows and all that hangs on them go (the foreign keys cascade); her pseudonym is
    listed as deleted so copies of earlier exports can follow. Returns her pseudonym."""
    study = session.get_one(Study, participant.study_id)
    name = pseudonym(study_secret=study.secret, participant_id=participant.id)
    session.add(ParticipantDeletion(study_id=study.id, pseudonym=name, deleted_at=now))
    session.execute(delete(Participant).where(col(Participant.id) == participant.id))
    session.expunge(participant)
    return name


def close_account(*, session: Session, participant: Participant, now: datetime) -> None:
    """What a deletion that keeps her data until withdrawal removes: her way in."""
    session.execute(
        update(ParticipantToken)
        .where(col(ParticipantToken.participant_id) == participant.id)
        .where(col(ParticipantToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
