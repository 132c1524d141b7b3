"""Running an export: the audit events around it, a progress total, and the bytes.

The API and `savor export` both call `begin_export` and then `stream`, so a file written by
the CLI holds the same bytes as the API's answer for the same window.
"""

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from savor.clock import utcnow
from savor.ema.decisions.models import Decision
from savor.ema.models import Offer, Prompt, Response
from savor.practices.models import PracticeSession
from savor.research import service as research_service
from savor.research.exports import (
    answer_rows,
    consent_rows,
    decision_rows,
    fhir_scores,
    score_rows,
    sources,
)
from savor.research.exports.fhir import bundle_chunks
from savor.research.exports.service import ExportRequest, Plan, plan_export
from savor.research.exports.writers import Page, as_groups, csv_chunks, ndjson_chunks, row_count
from savor.research.models import ResearchToken
from savor.studies.models import (
    ConsentRecord,
    Participant,
    ParticipantDeletion,
    ParticipantState,
    Study,
)

TABLES: dict[str, Any] = {
    "responses": Response,
    "prompts": Prompt,
    "practice_sessions": PracticeSession,
    "participants": Participant,
    "participant_states": ParticipantState,
    "offers": Offer,
    "consents": ConsentRecord,
    "deletions": ParticipantDeletion,
    "decisions": Decision,
    "scores": Response,  # counted as the scored answer sets, one row per scale each
}
SOURCES = {
    "prompts": sources.prompts,
    "practice_sessions": sources.practice_sessions,
    "participants": sources.participants,
    "participant_states": sources.participant_states,
    "offers": sources.offers,
    "consents": consent_rows.consents,
    "deletions": consent_rows.deletions,
    "decisions": decision_rows.decisions,
    "scores": score_rows.scores,
}


def begin_export(
    *,
    session: Session,
    study: Study,
    request: ExportRequest,
    now: datetime,
    token: ResearchToken | None = None,
    actor: str | None = None,
    role: str | None = None,
) -> Plan:
    """Plan the export and record, before a byte is sent, who reads which window."""
    plan = plan_export(session=session, study=study, request=request)
    research_service.record(
        session=session,
        study=study,
        token=token,
        action="export.read",
        now=now,
        detail=plan.audit_detail() | ({"role": role} if role else {}),
        actor=actor,
    )
    session.commit()
    return plan


def completion(
    *,
    engine: Engine,
    study: Study,
    token: ResearchToken | None,
    plan: Plan,
    actor: str | None = None,
) -> Callable[[int], None]:
    """What `stream` calls once the last byte is out: a second event with the row count."""
    study_id, token_id = study.id, token.id if token else None

    def done(rows: int) -> None:
        with Session(engine) as session:
            research_service.record(
                session=session,
                study=session.get_one(Study, study_id),
                token=session.get(ResearchToken, token_id) if token_id else None,
                action="export.completed",
                now=utcnow(),
                detail={"dataset": plan.request.dataset, "until": plan.until, "rows": rows},
                actor=actor,
            )
            session.commit()

    return done


def count_records(*, session: Session, plan: Plan) -> int:
    """How many source records the window holds (responses, not items): a progress total."""
    table = TABLES[plan.request.dataset]
    query = select(func.count()).select_from(table)
    if table is ParticipantDeletion:  # her participant row is gone
        query = query.where(ParticipantDeletion.study_id == plan.window.study_id)
    else:
        if table is not Participant:
            query = query.join(Participant, col(Participant.id) == table.participant_id)
        query = query.where(Participant.study_id == plan.window.study_id)
    if plan.request.dataset == "scores":
        query = query.where(col(Response.instrument_id).in_(score_rows.questionnaire_ids(session)))
    window = (col(table.seq) >= plan.window.since) & (col(table.seq) < plan.until)
    return session.exec(query.where(window)).one()


def _counted(batches: Iterable[list[Any]], progress: Callable[[int], None]) -> Iterator[list]:
    for batch in batches:
        progress(len(batch))
        yield batch


def stream(
    plan: Plan,
    *,
    engine: Engine,
    progress: Callable[[int], None] = lambda _: None,
    done: Callable[[int], None] = lambda _: None,
) -> Iterator[bytes]:
    """The export's bytes, read in one pass through a session of its own; `done` is called
    with the number of rows written once the last byte has been produced."""
    request, written = plan.request, [0]

    def add(rows: int) -> None:
        written[0] += rows

    with Session(engine) as session:
        if request.dataset == "responses":
            batches = _counted(answer_rows.answered(session, plan.window), progress)
            if request.format == "fhir":
                answered = _counted(batches, add)  # one resource per answered check-in
                yield from bundle_chunks(answered, instruments=plan.instruments, urls=plan.urls)
                done(written[0])
                return
            if request.shape in ("wide", "redcap"):
                pages = answer_rows.wide_rows(
                    batches, plan.columns, plan.alternatives, plan.checkboxes
                )
            else:
                pages = answer_rows.long_rows(batches)
        else:
            records = _counted(SOURCES[request.dataset](session, plan.window), progress)
            if request.format == "fhir":  # only scores: check_request allows no other
                yield from fhir_scores.bundle_chunks(
                    _tallied_rows(records, add), urls=plan.urls, instruments=plan.instruments
                )
                done(written[0])
                return
            pages = as_groups(records, plan.columns)
        writer = csv_chunks if request.format == "csv" else ndjson_chunks
        # REDCap's variable names are lowercase: its header names them so (S1 is s1).
        header = [c.lower() for c in plan.columns] if request.shape == "redcap" else plan.columns
        yield from writer(_tallied(pages, add), header)
    done(written[0])


def _tallied(pages: Iterable[Page], add: Callable[[int], None]) -> Iterator[Page]:
    for page in pages:
        add(row_count(page))
        yield page


def _tallied_rows(pages: Iterable[list[Any]], add: Callable[[int], None]) -> Iterator[list]:
    for page in pages:
        add(len(page))
        yield page
