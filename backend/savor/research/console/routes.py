"""Research API behind the console's screens: Today, the participants, study-wide compliance,
the protocol check, and the last exports. A script with a token reads the very same."""

from typing import Annotated, get_args

from fastapi import APIRouter, Depends
from sqlmodel import Session, col, select

from savor import content_loader
from savor.clock import utcnow
from savor.db import SessionDep
from savor.research.console import person, protocol_changes, protocol_lines, roster, trends
from savor.research.console.models import (
    LastExport,
    ParticipantDetail,
    ProtocolCheck,
    ProtocolSource,
    RosterRow,
    StudyCompliance,
    TodayPublic,
)
from savor.research.deps import (
    ExportReader,
    ParticipantsReader,
    ProtocolWriter,
    StudiesReader,
    audit,
)
from savor.research.exports.service import Dataset
from savor.research.models import AuditEvent
from savor.research.protocol_body import PROTOCOL_BODY, protocol_source
from savor.studies import service as studies_service
from savor.studies.models import Study
from savor.studies.protocol import ProtocolDocument

router = APIRouter(tags=["research"])
# Enough events to find each dataset's latest in any study that exports now and then.
LAST_EXPORTS_READ = 500


@router.get("/studies/{slug}/today", response_model=TodayPublic)
def read_today(slug: str, access: ParticipantsReader, session: SessionDep) -> TodayPublic:
    """Who is flagged and why, enrollment this week and yesterday's completion; open alerts
    are at /alerts (scope participants:read)."""
    now = utcnow()
    found = roster.today(session=session, study=access.study, now=now)
    audit(session, access, "today.read", now, {"flagged": len(found.flagged)})
    return found


@router.get("/studies/{slug}/roster", response_model=list[RosterRow])
def read_roster(slug: str, access: ParticipantsReader, session: SessionDep) -> list[RosterRow]:
    """Each participant: status, stage, week, last seen, notifications, 7-day completion,
    practice minutes, next wave and flags (scope participants:read)."""
    now = utcnow()
    rows = roster.roster(session=session, study=access.study, now=now)
    audit(session, access, "roster.read", now, {"rows": len(rows)})
    return rows


@router.get("/studies/{slug}/participants/{pseudonym}", response_model=ParticipantDetail)
def read_participant(
    slug: str, pseudonym: str, access: ParticipantsReader, session: SessionDep
) -> ParticipantDetail:
    """One participant: every prompt's fate, daily stress, craving and positive affect, her
    practice sessions, devices and flags (scope participants:read)."""
    now = utcnow()
    found = person.detail(session=session, study=access.study, name=pseudonym, now=now)
    audit(session, access, "participant.read", now, {"pseudonym": pseudonym})
    return found


@router.get("/studies/{slug}/compliance/trends", response_model=StudyCompliance)
def read_compliance_trends(
    slug: str, access: ParticipantsReader, session: SessionDep
) -> StudyCompliance:
    """The prompt funnel by week, each participant's study days, and completion by her local
    hour (scope participants:read)."""
    now = utcnow()
    found = trends.study_compliance(session=session, study=access.study, now=now)
    audit(session, access, "compliance.trends", now, {"rows": len(found.days)})
    return found


def _current(session: Session, study: Study) -> ProtocolSource:
    stored = studies_service.active_protocol(session=session, study=study)
    return ProtocolSource(
        version=stored.version, created_at=stored.created_at, source=stored.source
    )


@router.get("/studies/{slug}/protocol", response_model=ProtocolSource)
def read_protocol(slug: str, access: StudiesReader, session: SessionDep) -> ProtocolSource:
    """The protocol in force, as the YAML that was applied (scope studies:read)."""
    current = _current(session, access.study)
    audit(session, access, "protocol.read", utcnow(), {"version": current.version})
    return current


@router.post(
    "/studies/{slug}/protocol/check",
    response_model=ProtocolCheck,
    openapi_extra={"requestBody": PROTOCOL_BODY},
)
def create_protocol_check(
    slug: str,
    access: ProtocolWriter,
    session: SessionDep,
    source: Annotated[str, Depends(protocol_source)],
) -> ProtocolCheck:
    """Check a YAML protocol without applying it: every problem on its line, the lines that
    differ from the version in force, and what changes for participants
    (scope protocol:write)."""
    current = _current(session, access.study)
    problems = protocol_lines.problems(source, slug=access.study.slug)
    changes: list[str] = []
    if not problems:
        old = studies_service.protocol_document(session=session, study=access.study)
        new = ProtocolDocument.model_validate(content_loader.read_yaml(source))
        changes = protocol_changes.changes(old, new)
    audit(session, access, "protocol.check", utcnow(), {"problems": len(problems)})
    return ProtocolCheck(
        valid=not problems,
        current_version=current.version,
        problems=problems,
        diff=protocol_changes.diff(current.source, source),
        changes=changes,
    )


@router.get("/studies/{slug}/exports/last", response_model=list[LastExport])
def read_last_exports(slug: str, access: ExportReader, session: SessionDep) -> list[LastExport]:
    """Every dataset, in the order exports list them, with its latest finished export: when,
    by whom, its rows and the Savor-Next-Since to pull from next; nulls when never exported
    (scope export:read)."""
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.study_id == access.study.id, AuditEvent.action == "export.completed")
        .order_by(col(AuditEvent.at).desc())
        .limit(LAST_EXPORTS_READ)
    )
    latest: dict[str, LastExport] = {}
    for event in events:
        dataset = str(event.detail.get("dataset"))
        if dataset not in latest:
            latest[dataset] = LastExport(
                dataset=dataset,
                at=event.at,
                actor=event.actor,
                rows=event.detail.get("rows"),
                next_since=event.detail.get("until"),
            )
    audit(session, access, "exports.last", utcnow(), {"rows": len(latest)})
    never = {"at": None, "actor": None, "rows": None, "next_since": None}
    return [latest.get(d) or LastExport(dataset=d, **never) for d in get_args(Dataset)]
