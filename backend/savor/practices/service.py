"""Practice catalog and program for one mother, and the practice sessions her phone reports."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Uuid, column, table
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from savor import idempotency
from savor.errors import AppError, please_check
from savor.practices import progress
from savor.practices.catalog import StudyCatalog, study_catalog
from savor.practices.content import Practice
from savor.practices.models import PracticeSession, PracticeSessionCreate
from savor.practices.ratings import FeelingRatings, RatingsCheck
from savor.practices.summary import (
    Rating,
    SessionFacts,
    SummaryView,
    WeekTotals,
    build_summary,
)
from savor.storing.thread import Write, WriteQueue
from savor.studies import service as studies_service
from savor.studies.models import Participant, Study
from savor.studies.protocol import ProtocolDocument

CLOCK_SKEW = timedelta(minutes=5)
CUSTOM_VARIANT = "custom"
# A session done for a check-in names that prompt by id, as a foreign key would. The prompt
# table is ema's, a domain above this one that practices may not import, and whose it is is all
# this needs to know: the two columns that say so, read through SQL core. (Composing the check
# from above would pass a hook through the app into this one query, for no more safety.)
PROMPTS = table("prompt", column("id", Uuid()), column("participant_id", Uuid()))


def context_for(
    *, session: Session, participant: Participant
) -> tuple[Study, ProtocolDocument, StudyCatalog]:
    return study_context(session=session, study_id=participant.study_id)


def study_context(
    *, session: Session, study_id: uuid.UUID
) -> tuple[Study, ProtocolDocument, StudyCatalog]:
    """A study with its active protocol and the practices that protocol offers."""
    study = session.get_one(Study, study_id)
    document = studies_service.protocol_document(session=session, study=study)
    return study, document, study_catalog(document.program)


def visible_practice(catalog: StudyCatalog, practice_id: str, stage: str | None) -> Practice:
    practice = catalog.practices.get(practice_id)
    if practice is None or not catalog.visible_to(practice, stage):
        raise AppError(404, "unknown_practice", f"There is no practice '{practice_id}' here.")
    return practice


def is_unlocked(catalog: StudyCatalog, practice_id: str, stage: str | None, week: int) -> bool:
    unlock = catalog.unlock_week(practice_id, stage)
    return unlock is not None and unlock <= week


def _find(session: Session, participant: Participant, body: PracticeSessionCreate):
    return idempotency.find(session, PracticeSession, participant.id, body.client_id)


def _replayed(stored: PracticeSession, digest: str) -> tuple[PracticeSession, bool]:
    replay = idempotency.replayed(
        stored, stored_hash=stored.body_hash, sent_hash=digest, what="practice record"
    )
    return replay, False


def _problems(
    body: PracticeSessionCreate, practice: Practice, participant: Participant, now: datetime
) -> list[dict[str, str]]:
    problems: list[tuple[str, str]] = []
    # The quiet timer also runs for any length she sets herself, within its limits.
    custom = practice.timer is not None and body.variant == CUSTOM_VARIANT
    if (
        custom
        and practice.timer
        and body.seconds_practiced > practice.timer.custom_max_minutes * 60
    ):
        problems.append(("seconds_practiced", "is longer than the timer allows"))
    if not custom and body.variant not in {v.key for v in practice.variants}:
        keys = ", ".join(v.key for v in practice.variants)
        problems.append(("variant", f"{practice.id} has no variant '{body.variant}' ({keys})"))
    if body.option is not None and body.option not in {o.key for o in practice.options}:
        problems.append(("option", f"{practice.id} has no option '{body.option}'"))
    if body.started_at > now + CLOCK_SKEW:
        problems.append(("started_at", "is in the future; check the phone's clock"))
    if body.started_at < participant.enrolled_at - timedelta(days=1):
        problems.append(("started_at", "is before she joined the study"))
    if body.ended_at is not None and body.ended_at < body.started_at:
        problems.append(("ended_at", "is before started_at"))
    if body.ended_at is not None:
        span = (body.ended_at - body.started_at).total_seconds()
        if body.seconds_practiced > span + 60:
            problems.append(("seconds_practiced", "is longer than the time between start and end"))
    if body.trigger == "prompt" and body.prompt_id is None:
        problems.append(("prompt_id", "is needed when trigger is 'prompt'"))
    if body.trigger == "rule" and body.rule is None:
        problems.append(("rule", "is needed when trigger is 'rule'"))
    if body.trigger == "self" and (body.prompt_id or body.rule):
        problems.append(("trigger", "a self-chosen practice has no prompt_id or rule"))
    return [{"field": f, "message": m} for f, m in problems]


def _is_her_prompt(session: Session, participant: Participant, prompt_id: uuid.UUID) -> bool:
    query = select(PROMPTS.c.id).where(
        PROMPTS.c.id == prompt_id, PROMPTS.c.participant_id == participant.id
    )
    return session.exec(query).first() is not None


def unknown_prompt() -> AppError:
    # As ema answers for a check-in (ema.prompts.unknown_prompt): the same whether it does not
    # exist or is another mother's, so nothing can be probed.
    return AppError(404, "unknown_prompt", "This check-in was not found.")


def _insert_once(row: PracticeSession) -> Write:
    def write(session: Session) -> PracticeSession:
        # Serialized in the writer: a second delivery of the same record finds the first.
        existing = idempotency.find(session, PracticeSession, row.participant_id, row.client_id)
        if existing is not None:
            return existing
        session.add(row)
        session.flush()
        return row

    return write


def record_session(
    *,
    session: Session,
    writer: WriteQueue,
    participant: Participant,
    body: PracticeSessionCreate,
    check_ratings: RatingsCheck,
    now: datetime,
) -> tuple[PracticeSession, bool]:
    """Store a practice session once; a replay returns the stored one (created=False).

    A practice still locked for her (P04 begun in week 1) is accepted, not refused: a phone
    that was offline when her week turned, or whose clock is off, unlocked it by its own
    reckoning, and she really practised. Refusing would lose that record for good, as the
    phone has nobody to ask. The research export flags it instead (`locked_at_time`), computed
    from her program week at `started_at` and the catalog's unlock week.
    """
    body_hash = idempotency.body_hash(body)
    stored = _find(session, participant, body)
    if stored is not None:
        return _replayed(stored, body_hash)
    study, document, catalog = context_for(session=session, participant=participant)
    practice = visible_practice(catalog, body.practice_id, participant.stage)
    fields = _problems(body, practice, participant, now)
    pre = check_ratings(
        instrument_id=body.pre_instrument,
        allowed=practice.ema.pre,
        answers=body.pre,
        field="pre",
        document=document,
        participant=participant,
    )
    post = check_ratings(
        instrument_id=body.post_instrument,
        allowed=practice.ema.post,
        answers=body.post,
        field="post",
        document=document,
        participant=participant,
    )
    fields += pre.problems + post.problems
    if fields:
        raise please_check("invalid_practice_session", fields)
    if body.prompt_id is not None and not _is_her_prompt(session, participant, body.prompt_id):
        raise unknown_prompt()
    row = PracticeSession(
        **body.model_dump(exclude={"pre", "post", "pre_instrument", "post_instrument"}),
        participant_id=participant.id,
        local_date=progress.local_date(body.started_at, participant.timezone),
        program_week=progress.program_week(
            enrolled_at=participant.enrolled_at,
            timezone=participant.timezone,
            now=max(body.started_at, participant.enrolled_at),
        ),
        protocol_version=study.active_protocol_version,
        pre_instrument=pre.instrument,
        pre_instrument_version=pre.version,
        pre=pre.answers,
        post_instrument=post.instrument,
        post_instrument_version=post.version,
        post=post.answers,
        body_hash=body_hash,
        received_at=now,
    )
    try:
        saved = writer.submit(_insert_once(row))
    except IntegrityError:
        # Another process stored the same record at the same moment; the first one won.
        stored = _find(session, participant, body)
        if stored is None:
            raise
        return _replayed(stored, body_hash)
    if saved.id != row.id:
        return _replayed(saved, body_hash)
    return saved, True


def sessions_for(*, session: Session, participant: Participant) -> list[PracticeSession]:
    return list(
        session.exec(
            select(PracticeSession)
            .where(PracticeSession.participant_id == participant.id)
            .order_by(PracticeSession.started_at)  # type: ignore[arg-type]
        )
    )


def _numbers(answers: list[dict] | None) -> dict[str, int]:
    return {
        a["item_id"]: a["value"]
        for a in answers or []
        if not a.get("declined") and isinstance(a.get("value"), int)
    }


def _facts(session: Session, participant: Participant) -> list[SessionFacts]:
    return [
        SessionFacts(
            local_date=row.local_date,
            program_week=row.program_week,
            seconds=row.seconds_practiced,
            pre=_numbers(row.pre),
            post=_numbers(row.post),
        )
        for row in sessions_for(session=session, participant=participant)
    ]


def _summary(
    participant: Participant, facts: list[SessionFacts], ratings: list[Rating], now: datetime
) -> SummaryView:
    return build_summary(
        sessions=facts,
        ratings=ratings,
        first_day=progress.local_date(participant.enrolled_at, participant.timezone),
        week=progress.program_week(
            enrolled_at=participant.enrolled_at, timezone=participant.timezone, now=now
        ),
    )


def summary_for(
    *, session: Session, participant: Participant, feelings: FeelingRatings, now: datetime
) -> SummaryView:
    facts = _facts(session, participant)
    # Check-ins and before-practice ratings both say how she felt, before any practice changed it.
    ratings = feelings(session=session, participant=participant) + [
        Rating(local_date=f.local_date, item_id=item, value=value)
        for f in facts
        for item, value in f.pre.items()
    ]
    return _summary(participant, facts, ratings, now)


def this_week(*, session: Session, participant: Participant, now: datetime) -> WeekTotals:
    """Practice days and minutes of her current week; her feelings are not needed for that."""
    return _summary(participant, _facts(session, participant), [], now).weeks[-1]
