"""What a study team does through the research API: protocols, codes, participants, audit."""

import io
from datetime import datetime, timedelta
from typing import Any, get_args

import segno
from sqlmodel import Session, col, select

from savor.ema import service as ema_service
from savor.ema.compliance import Compliance
from savor.ema.study_instruments import checked_protocol, register_own
from savor.errors import AppError
from savor.notify import health as notify_health
from savor.practices import progress
from savor.practices.catalog import study_catalog
from savor.research.models import (
    AuditEvent,
    CatalogPractice,
    CatalogPublic,
    ComplianceReport,
    EnrollmentCodePublic,
    EnrollmentCodesPublic,
    ParticipantCompliance,
    ProtocolVersionPublic,
)
from savor.studies import agreements, consent
from savor.studies import service as studies_service
from savor.studies.models import Participant, Protocol, Stage, Study
from savor.studies.protocol import ProgramSettings, ProtocolError, refused
from savor.studies.pseudonym import pseudonym

AUDIT_PAGE_MAX = 1000


def apply_protocol(*, session: Session, study: Study, source: str, now: datetime) -> bool:
    """Store `source` as the study's next protocol version; False when nothing changed."""
    try:
        document = checked_protocol(source)
    except ProtocolError as exc:
        raise refused(exc.problems) from exc
    if document.study != study.slug:
        message = f"says study '{document.study}', but this is study '{study.slug}'"
        raise AppError(
            422,
            "wrong_study",
            f"The protocol {message}.",
            fields=[{"field": "study", "message": message}],
        )
    register_own(session=session, document=document)
    _, changed = studies_service.apply_protocol(session=session, source=source, now=now)
    session.refresh(study)
    return changed


def _qr_svg(link: str, code: str) -> str:
    buffer = io.BytesIO()
    segno.make_qr(link, error="m").save(
        buffer, kind="svg", scale=4, xmldecl=False, title=code, svgclass=None, lineclass=None
    )
    return buffer.getvalue().decode()


def enrollment_codes(
    *,
    session: Session,
    study: Study,
    count: int,
    expires_in_days: int | None,
    pepper: bytes,
    public_url: str,
    now: datetime,
) -> EnrollmentCodesPublic:
    """New codes with the link and a printable QR code for each; shown only this once."""
    days = (
        expires_in_days
        or studies_service.protocol_document(session=session, study=study).enrollment_code_days
    )
    created = studies_service.create_enrollment_codes(
        session=session, study=study, count=count, expires_in_days=days, pepper=pepper, now=now
    )
    links = [(code, f"{public_url}/?code={code}") for code in created]
    return EnrollmentCodesPublic(
        study=study.slug,
        expires_at=now + timedelta(days=days),
        codes=[EnrollmentCodePublic(code=c, link=u, qr_svg=_qr_svg(u, c)) for c, u in links],
    )


def compliance_report(*, session: Session, study: Study, now: datetime) -> ComplianceReport:
    overall, rows = ema_service.compliance_overview(session=session, study=study, now=now)
    statuses = _statuses(session, study, rows, now)
    return ComplianceReport(
        study=study.slug,
        generated_at=now,
        overall=overall,
        notifications_failing=sum(s.notifications == "failing" for s in statuses),
        participants=statuses,
    )


def protocol_versions(*, session: Session, study: Study) -> list[ProtocolVersionPublic]:
    """Every protocol version the study has had, oldest first, each as parsed."""
    stored = session.exec(
        select(Protocol).where(Protocol.study_id == study.id).order_by(col(Protocol.version))
    )
    return [
        ProtocolVersionPublic(
            version=p.version,
            created_at=p.created_at,
            active=p.version == study.active_protocol_version,
            document=p.document,
        )
        for p in stored
    ]


def practice_catalog(*, session: Session, study: Study, version: int | None) -> CatalogPublic:
    """The practices of one protocol version (the one in force when none is named)."""
    wanted = study.active_protocol_version if version is None else version
    stored = session.exec(
        select(Protocol).where(Protocol.study_id == study.id, Protocol.version == wanted)
    ).first()
    if stored is None:
        raise AppError(404, "unknown_protocol_version", f"There is no protocol version {wanted}.")
    catalog = study_catalog(ProgramSettings.model_validate(stored.document.get("program", {})))
    stages: tuple[Stage, ...] = get_args(Stage)
    practices = [
        CatalogPractice(
            id=p.id,
            version=p.version,
            title=p.title.model_dump(),
            kind=p.component,
            audience=list(p.audience),
            unlock_weeks={
                stage: catalog.unlock_week(p.id, stage) if catalog.visible_to(p, stage) else None
                for stage in stages
            },
            pre_instruments=list(p.ema.pre),
            post_instruments=list(p.ema.post),
        )
        for p in sorted(catalog.practices.values(), key=lambda p: p.id)
    ]
    return CatalogPublic(study=study.slug, protocol_version=wanted, practices=practices)


COMPLIANCE_CSV = ["pseudonym", "status", "stage", "program_week", *Compliance.model_fields]


def compliance_rows(report: ComplianceReport) -> list[dict[str, Any]]:
    """The report as CSV rows: one per participant, then one named `overall`."""
    rows = [
        {
            "pseudonym": p.pseudonym,
            "status": p.status,
            "stage": p.stage,
            "program_week": p.program_week,
            **p.compliance.model_dump(),
        }
        for p in report.participants
    ]
    return [*rows, {"pseudonym": "overall", **report.overall.model_dump()}]


def participant_statuses(
    *, session: Session, study: Study, now: datetime
) -> list[ParticipantCompliance]:
    """Each participant under her pseudonym: status, program week, compliance, notifications."""
    _, rows = ema_service.compliance_overview(session=session, study=study, now=now)
    return _statuses(session, study, rows, now)


def _statuses(
    session: Session, study: Study, rows: list[tuple[Participant, Compliance]], now: datetime
) -> list[ParticipantCompliance]:
    active = [p.id for p, _ in rows if p.withdrawn_at is None]
    health = notify_health.notification_health(session=session, participant_ids=active, now=now)
    document = studies_service.protocol_document(session=session, study=study)
    # By pseudonym: in enrollment order, a list of who joined when would name each row.
    statuses = [
        ParticipantCompliance(
            pseudonym=pseudonym(study_secret=study.secret, participant_id=p.id),
            status="withdrawn" if p.withdrawn_at else "active",
            stage=p.stage,
            consent_version=p.consent_version,
            consent_needed=p.withdrawn_at is None
            and consent.needs_consent(p.consent_version, document),
            program_week=progress.program_week(
                enrolled_at=p.enrolled_at, timezone=p.timezone, now=now
            ),
            compliance=c,
            notifications=(found := health.get(p.id, notify_health.STOPPED)).notifications,
            notifications_reason=found.reason,
            devices=found.devices,
        )
        for p, c in rows
    ]
    return sorted(statuses, key=lambda s: s.pseudonym)


def find_participant(*, session: Session, study: Study, name: str) -> Participant:
    """The participant behind a pseudonym; the hash only goes one way, so each is tried."""
    ids = session.exec(select(Participant.id).where(Participant.study_id == study.id))
    for participant_id in ids:
        if pseudonym(study_secret=study.secret, participant_id=participant_id) == name:
            return session.get_one(Participant, participant_id)
    raise AppError(404, "unknown_participant", f"Study '{study.slug}' has no participant {name}.")


def delete_participant(*, session: Session, participant: Participant, now: datetime) -> None:
    """Her rows and everything that hangs on them go, through the foreign keys' cascades;
    her pseudonym is listed in the `deletions` dataset."""
    agreements.delete_everything(session=session, participant=participant, now=now)


def audit_events(
    *,
    session: Session,
    study: Study,
    limit: int,
    before: datetime | None,
    actor: str | None = None,
    action: str | None = None,
) -> list[AuditEvent]:
    """The newest events first, `limit` at a time; page back with the last one's time. Only
    those whose actor contains `actor`, and whose action begins with `action`, when given."""
    query = select(AuditEvent).where(AuditEvent.study_id == study.id)
    if before is not None:
        query = query.where(col(AuditEvent.at) < before)
    if actor:
        query = query.where(col(AuditEvent.actor).contains(actor, autoescape=True))
    if action:
        query = query.where(col(AuditEvent.action).startswith(action, autoescape=True))
    query = query.order_by(col(AuditEvent.at).desc()).limit(min(limit, AUDIT_PAGE_MAX))
    return list(session.exec(query))
