"""Research API: a study's protocol, codes, participants, compliance and audit trail.

Every route needs a research token of the study in the path with the scope its description
names; every read and every change leaves an audit event.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from savor.clock import utcnow
from savor.db import SessionDep
from savor.deps import SettingsDep
from savor.phone_time import BoundedTime
from savor.research import alert_routes, management
from savor.research import service as research_service
from savor.research.console import routes as console_routes
from savor.research.deps import (
    AuditReader,
    CodesWriter,
    ParticipantsDeleter,
    ParticipantsReader,
    ProtocolWriter,
    StudiesReader,
    audit,
)
from savor.research.exports import routes as export_routes
from savor.research.exports.writers import as_groups, csv_chunks
from savor.research.models import (
    AuditEventPublic,
    CatalogPublic,
    ComplianceReport,
    EnrollmentCodesCreate,
    EnrollmentCodesPublic,
    ParticipantCompliance,
    ProtocolApplied,
    ProtocolVersionPublic,
    StudyPublic,
)
from savor.research.protocol_body import PROTOCOL_BODY, protocol_source

router = APIRouter(prefix="/api/research/v1", tags=["research"])


@router.get("/studies", response_model=list[StudyPublic])
def read_studies(access: StudiesReader, session: SessionDep) -> list[StudyPublic]:
    """The studies this token gives access to; a token belongs to one (scope studies:read)."""
    # A person signed in sees each study where she holds a role; a token sees its own.
    each = access.studies or (access,)
    now = utcnow()
    for one in each:
        audit(session, one, "studies.list", now)
    return [research_service.study_public(session=session, study=one.study) for one in each]


@router.get("/studies/{slug}", response_model=StudyPublic)
def read_study(slug: str, access: StudiesReader, session: SessionDep) -> StudyPublic:
    """One study: name, protocol version and participant counts (scope studies:read)."""
    audit(session, access, "studies.read", utcnow())
    return research_service.study_public(session=session, study=access.study)


@router.put(
    "/studies/{slug}/protocol",
    response_model=ProtocolApplied,
    openapi_extra={"requestBody": PROTOCOL_BODY},
)
def update_protocol(
    slug: str,
    access: ProtocolWriter,
    session: SessionDep,
    source: Annotated[str, Depends(protocol_source)],
) -> ProtocolApplied:
    """Store a YAML protocol as the next version; 422 lists every problem (scope protocol:write)."""
    now = utcnow()
    changed = management.apply_protocol(session=session, study=access.study, source=source, now=now)
    version = access.study.active_protocol_version
    audit(session, access, "protocol.update", now, {"version": version, "changed": changed})
    return ProtocolApplied(study=slug, protocol_version=version, changed=changed)


@router.post(
    "/studies/{slug}/enrollment-codes", response_model=EnrollmentCodesPublic, status_code=201
)
def create_enrollment_codes(
    slug: str,
    body: EnrollmentCodesCreate,
    access: CodesWriter,
    session: SessionDep,
    settings: SettingsDep,
) -> EnrollmentCodesPublic:
    """Single-use codes with enrollment links and printable QR codes (scope codes:write)."""
    now = utcnow()
    created = management.enrollment_codes(
        session=session,
        study=access.study,
        count=body.count,
        expires_in_days=body.expires_in_days,
        pepper=settings.pepper(),
        public_url=settings.public_url,
        now=now,
    )
    audit(session, access, "codes.create", now, {"count": len(created.codes)})
    return created


@router.get("/studies/{slug}/protocols", response_model=list[ProtocolVersionPublic])
def read_protocols(
    slug: str, access: StudiesReader, session: SessionDep
) -> list[ProtocolVersionPublic]:
    """Every protocol version, oldest first: its version, when it was applied, whether it is
    in force, and the parsed document (schedules, thresholds, features, program)
    (scope studies:read)."""
    versions = management.protocol_versions(session=session, study=access.study)
    audit(session, access, "protocols.read", utcnow(), {"rows": len(versions)})
    return versions


@router.get("/studies/{slug}/catalog", response_model=CatalogPublic)
def read_catalog(
    slug: str,
    access: StudiesReader,
    session: SessionDep,
    version: Annotated[
        int | None, Query(ge=1, description="a protocol version; the one in force when omitted")
    ] = None,
) -> CatalogPublic:
    """The practices of a protocol version: id, titles in English and Spanish, kind, audience
    and unlock week by stage, so practice_id has a label (scope studies:read)."""
    catalog = management.practice_catalog(session=session, study=access.study, version=version)
    detail = {"protocol_version": catalog.protocol_version}
    audit(session, access, "catalog.read", utcnow(), detail)
    return catalog


@router.get("/studies/{slug}/participants", response_model=list[ParticipantCompliance])
def read_participants(
    slug: str, access: ParticipantsReader, session: SessionDep
) -> list[ParticipantCompliance]:
    """Pseudonym, status, program week and compliance of each (scope participants:read)."""
    now = utcnow()
    rows = management.participant_statuses(session=session, study=access.study, now=now)
    audit(session, access, "participants.list", now, {"rows": len(rows)})
    return rows


@router.delete("/studies/{slug}/participants/{pseudonym}", status_code=204)
def delete_participant(
    slug: str, pseudonym: str, access: ParticipantsDeleter, session: SessionDep
) -> None:
    """Delete all of one participant's data, at her request (scope participants:delete)."""
    participant = management.find_participant(session=session, study=access.study, name=pseudonym)
    now = utcnow()
    management.delete_participant(session=session, participant=participant, now=now)
    audit(session, access, "participants.delete", now, {"pseudonym": pseudonym})


@router.get(
    "/studies/{slug}/compliance",
    response_model=ComplianceReport,
    responses={200: {"content": {"text/csv": {"example": "pseudonym,status,...\n"}}}},
)
def read_compliance(
    slug: str,
    access: ParticipantsReader,
    session: SessionDep,
    format: Annotated[
        Literal["json", "csv"],
        Query(description="json, or csv: one row per participant and a last row `overall`"),
    ] = "json",
) -> ComplianceReport | StreamingResponse:
    """Prompts due, answered on time or late, expired, and delays (scope participants:read).

    Counted over prompts already due, cancelled ones left out. `rate` is on-time answered
    over settled prompts (answered or expired): a prompt still open is not counted, so it is
    null until one is settled. `rate_with_late` counts late answers too."""
    now = utcnow()
    report = management.compliance_report(session=session, study=access.study, now=now)
    detail = {"rows": len(report.participants), "format": format}
    audit(session, access, "compliance.read", now, detail)
    if format == "csv":
        header = management.COMPLIANCE_CSV
        chunks = csv_chunks(as_groups([management.compliance_rows(report)], header), header)
        disposition = {"Content-Disposition": f'attachment; filename="{slug}-compliance.csv"'}
        return StreamingResponse(chunks, media_type="text/csv; charset=utf-8", headers=disposition)
    return report


@router.get("/studies/{slug}/audit", response_model=list[AuditEventPublic])
def read_audit(
    slug: str,
    access: AuditReader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=management.AUDIT_PAGE_MAX)] = 100,
    before: BoundedTime | None = None,
    actor: Annotated[
        str | None, Query(max_length=100, description="only actors containing this")
    ] = None,
    action: Annotated[
        str | None, Query(max_length=64, description="only actions beginning with this")
    ] = None,
) -> list[AuditEventPublic]:
    """Who read or changed what and when, newest first; page with `before`, filter by `actor`
    and `action` (scope audit:read)."""
    events = management.audit_events(
        session=session,
        study=access.study,
        limit=limit,
        before=before,
        actor=actor,
        action=action,
    )
    page = [AuditEventPublic.model_validate(e, from_attributes=True) for e in events]
    audit(session, access, "audit.read", utcnow(), {"rows": len(page)})
    return page


router.include_router(alert_routes.router)
router.include_router(export_routes.router)
router.include_router(console_routes.router)
