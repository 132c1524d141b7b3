"""Deciding her probes (and practice reminders) as their times come: the ticker's job,
before anything is pushed.

Each due probe is decided in its own transaction, which claims the probe first (a
conditional update, so two processes never decide one twice), stores the decision and, for
every randomized probe, its follow-up prompt. Only once that is committed does an offer become a
prompt of kind `offer` that the dispatcher may push; a probe that drew no offer, or was not
available, is cancelled and never reaches her phone.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from savor.ema.decisions import availability, draw, follow_up, probes
from savor.ema.decisions.checkin import ordered
from savor.ema.decisions.models import Decision
from savor.ema.models import Prompt
from savor.practices import progress
from savor.studies import service as studies_service
from savor.studies.decision_rules import TIMED_KINDS, DecisionRule, Decisions
from savor.studies.models import Participant, Study

BATCH = 200
# A decision's kind, as stored and exported (the column holds 12 characters).
POINT_KINDS = {"probe": "probe", "practice_reminder": "reminder"}
_PROMPTS = Prompt.__table__  # type: ignore[attr-defined]
_DECISIONS = Decision.__table__  # type: ignore[attr-defined]


def decide_due(*, session: Session, now: datetime) -> int:
    """Decide every probe whose time has come; returns how many were decided."""
    decided = 0
    seen: set[uuid.UUID] = set()
    # A probe that cannot be decided stays due: seeing only such probes again ends the run.
    while (due := _due(session, now)) and not {probe_id for probe_id, _ in due} <= seen:
        for probe_id, participant_id in due:
            seen.add(probe_id)
            decided += _decide(session, probe_id, participant_id, now)
    return decided


def _due(session: Session, now: datetime) -> list[tuple[uuid.UUID, uuid.UUID]]:
    rows = session.exec(
        select(Prompt.id, Prompt.participant_id)
        .where(Prompt.kind == probes.PROBE_KIND)
        .where(Prompt.status == "scheduled")
        .where(col(Prompt.scheduled_at) <= now)
        .order_by(col(Prompt.scheduled_at))
        .limit(BATCH)
    ).all()
    session.rollback()  # each probe is decided in a transaction of its own
    return [(probe_id, who) for probe_id, who in rows]


def _decide(session: Session, probe_id: uuid.UUID, participant_id: uuid.UUID, now: datetime) -> int:
    # The transaction's first statement is a write on the probe (changing nothing): it takes
    # the row (PostgreSQL) or the database (SQLite) for this process, so a second one waits
    # here and then finds it no longer a scheduled probe, before it draws anything.
    if not _claimed(session, probe_id, {"status": "scheduled"}):
        session.rollback()
        return 0
    her = session.get(Participant, participant_id)
    prompt = session.get(Prompt, probe_id)
    if her is None or prompt is None:
        session.rollback()
        return 0
    study = session.get(Study, her.study_id)
    assert study is not None
    settings = studies_service.protocol_document(session=session, study=study).decisions
    rule_id = prompt.schedule_id.removeprefix(probes.SCHEDULE_PREFIX)
    rule = settings.rule(rule_id) if settings else None
    values: dict[str, Any] = {"status": "cancelled", "cancelled_at": now}
    row = None
    if settings is not None and rule is not None and rule.kind in TIMED_KINDS:
        row, offered = _decision(session, settings, rule, her, prompt, study, now)
        if offered:
            values = {"kind": probes.OFFER_KIND}
    _claimed(session, probe_id, values)
    if row is not None:
        session.execute(insert(_DECISIONS), [row])
    session.commit()
    return int(row is not None)


def _claimed(session: Session, probe_id: uuid.UUID, values: dict[str, Any]) -> bool:
    """Whether it was still a scheduled probe (now changed to `values`)."""
    changed = session.execute(
        update(_PROMPTS)
        .where(_PROMPTS.c.id == probe_id)
        .where(_PROMPTS.c.kind == probes.PROBE_KIND)
        .where(_PROMPTS.c.status == "scheduled")
        .values(**values)
    )
    return changed.rowcount == 1  # type: ignore[attr-defined]


def _decision(
    session: Session,
    settings: Decisions,
    rule: DecisionRule,
    her: Participant,
    prompt: Prompt,
    study: Study,
    now: datetime,
) -> tuple[dict[str, Any], bool]:
    """Her probe's decision row (its follow-up prompt already added), and whether it offers."""
    connection = session.connection()
    today = progress.local_date(now, her.timezone)
    rules = settings.availability
    facts = availability.read_facts(
        connection, participant_id=her.id, rules=rules, now=now, local_date=today
    )
    facts.withdrawn = her.withdrawn_at is not None
    facts.late = now - prompt.scheduled_at > availability.LATE_AFTER
    reason = availability.why_unavailable(facts, rules, now)
    identity = probes.point(prompt.id)
    opens, closes = follow_up.window(settings.proximal_outcome, now)
    odds = ordered(settings, rule.probabilities or {})
    row: dict[str, Any] = {
        "id": uuid.uuid4(),
        "participant_id": her.id,
        "point": identity,
        "rule": rule.id,
        "kind": POINT_KINDS[rule.kind],
        "protocol_version": study.active_protocol_version,
        "decided_at": now,
        "local_date": today,
        "rating": None,
        "stratum": None,
        "available": reason is None,
        "unavailable_reason": reason,
        "probabilities": odds,
        "draw": None,
        "option": None,
        "practice_id": None,
        "response_id": None,
        "window_start": opens,
        "window_end": closes,
        "follow_up_prompt_id": None,
    }
    if reason is not None:
        return row, False
    u = draw.uniform(study_secret=study.secret, participant_id=her.id, point=identity)
    option = draw.choose(odds, u)
    practice = settings.practice_of(option)
    follow = follow_up.prompt_row(
        connection,
        participant_id=her.id,
        outcome=settings.proximal_outcome,
        protocol_version=study.active_protocol_version,
        opens=opens,
        closes=closes,
        timezone=her.timezone,
        taken=set(),
    )
    if follow is not None:
        connection.execute(insert(_PROMPTS), [follow])
    row.update(
        draw=u,
        option=option,
        practice_id=practice,
        follow_up_prompt_id=None if follow is None else follow["id"],
    )
    return row, practice is not None


def offer_of(session: Session, prompt: Prompt) -> Decision | None:
    """The decision that made this prompt an offer, if it is one."""
    if prompt.kind != probes.OFFER_KIND:
        return None
    return session.exec(
        select(Decision)
        .where(Decision.participant_id == prompt.participant_id)
        .where(Decision.point == probes.point(prompt.id))
    ).first()
