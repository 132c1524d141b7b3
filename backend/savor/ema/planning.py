"""Planning prompts in her day, and keeping them in step with her settings and protocol."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, insert, or_, update
from sqlmodel import Session, col, select

from savor.ema import registry
from savor.ema.models import Prompt
from savor.ema.schedule import PlannedPrompt, plan_day
from savor.practices import progress
from savor.studies.models import Participant, Study
from savor.studies.protocol import ProtocolDocument
from savor.studies.pseudonym import planning_seed

PLAN_DAYS_AHEAD = 1  # today and tomorrow, so a phone that goes offline still knows its day
# Participants planned per read and per commit: big enough to amortise the round trips,
# small enough that one commit stays short and a batch's rows fit easily in memory.
PLAN_BATCH = 2_000


class Her(Protocol):
    """What planning reads of a participant: a Participant, or a row of just these columns."""

    id: uuid.UUID
    timezone: str
    wake_time: time
    sleep_time: time
    enrolled_at: datetime


# Within a batch she is known by her position, so keys hash as ints and not as UUIDs.
Key = tuple[int, str, date, int]  # participant's position, schedule, local date, slot
_HER = (
    Participant.id,
    Participant.timezone,
    Participant.wake_time,
    Participant.sleep_time,
    Participant.enrolled_at,
)
_TABLE = Prompt.__table__  # type: ignore[attr-defined]
_KEY_COLUMNS = ("participant_id", "schedule_id", "local_date", "slot")
# What a newly planned prompt has not yet lived through.
_BLANK: dict[str, Any] = {
    "status": "scheduled",
    **dict.fromkeys(("sent_at", "reminded_at", "opened_at", "completed_at", "expired_at")),
    **dict.fromkeys(("cancelled_at", "claimed_by", "claimed_at", "next_attempt_at")),
    "answered_late": False,
    "send_attempts": 0,
    "pushed": 0,
}


def _by_key(statement: Any) -> Any:
    for name in _KEY_COLUMNS:
        statement = statement.where(_TABLE.c[name] == bindparam(f"key_{name}"))
    return statement


# Each write checks the status it was decided on: a prompt claimed for sending meanwhile stays.
# (No IN here: executemany cannot expand one.)
_MOVE = _by_key(update(_TABLE)).where(
    or_(_TABLE.c.status == "scheduled", _TABLE.c.status == "cancelled")
)
_CANCEL = _by_key(update(_TABLE)).where(_TABLE.c.status == "scheduled")


def _wanted(
    people: Sequence[Her], *, study: Study, document: ProtocolDocument, now: datetime
) -> tuple[dict[Key, PlannedPrompt], set[tuple[int, date]]]:
    """Their future prompts for today and tomorrow, and the (position, day) pairs planned."""
    wanted: dict[Key, PlannedPrompt] = {}
    days: set[tuple[int, date]] = set()
    for n, her in enumerate(people):
        today = progress.local_date(now, her.timezone)
        first_day = progress.local_date(her.enrolled_at, her.timezone)
        seed = planning_seed(study_secret=study.secret, participant_id=her.id)
        for day in (today + timedelta(days=offset) for offset in range(PLAN_DAYS_AHEAD + 1)):
            days.add((n, day))
            if day < first_day:
                continue
            for plan in plan_day(
                schedules=document.schedules,
                local_date=day,
                tz=her.timezone,
                wake=her.wake_time,
                sleep=her.sleep_time,
                program_day=(day - first_day).days + 1,
                seed=seed,
            ):
                if plan.scheduled_at > now:
                    wanted[(n, plan.schedule_id, day, plan.slot)] = plan
    return wanted, days


def _existing(
    session: Session, people: Sequence[Her], days: set[tuple[int, date]]
) -> dict[Key, tuple[str, datetime]]:
    """(status, scheduled_at) of their stored prompts on the planned days, in one read."""
    position = {her.id: n for n, her in enumerate(people)}
    rows = session.execute(
        select(*(_TABLE.c[name] for name in _KEY_COLUMNS), _TABLE.c.status, _TABLE.c.scheduled_at)
        .where(_TABLE.c.participant_id.in_(list(position)))
        .where(_TABLE.c.local_date.in_({day for _, day in days}))
    )
    found = {}
    for who, schedule_id, day, slot, status, at in rows:
        if (n := position[who], day) in days:
            found[(n, schedule_id, day, slot)] = (status, at)
    return found


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(_TABLE), rows)
        return
    # COPY writes a new day for thousands of participants several times faster than
    # executemany; the values are plain Python types that psycopg sends as they are.
    names = list(rows[0])
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(f"COPY prompt ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[name] for name in names])


def _new_rows(
    session: Session,
    people: Sequence[Her],
    new: dict[Key, PlannedPrompt],
    study: Study,
    document: ProtocolDocument,
) -> list[dict[str, Any]]:
    kinds = {s.id: s.kind for s in document.schedules}
    versions: dict[str, str] = {}
    for instrument_id in sorted({plan.instrument for plan in new.values()}):
        instrument = registry.current(instrument_id)
        registry.register(session=session, instrument=instrument)
        versions[instrument_id] = str(instrument.version)
    return [
        _BLANK
        | {
            "id": uuid.uuid4(),
            "participant_id": people[key[0]].id,
            "schedule_id": plan.schedule_id,
            "kind": kinds[plan.schedule_id],
            "instrument_id": plan.instrument,
            "instrument_version": versions[plan.instrument],
            "protocol_version": study.active_protocol_version,
            "local_date": plan.local_date,
            "slot": plan.slot,
            "scheduled_at": plan.scheduled_at,
            "expires_at": plan.expires_at,
            "remind_at": plan.remind_at,
        }
        for key, plan in new.items()
    ]


def _plan_batch(
    session: Session, people: Sequence[Her], study: Study, document: ProtocolDocument, now: datetime
) -> int:
    wanted, days = _wanted(people, study=study, document=document, now=now)
    existing = _existing(session, people, days)
    new = {key: plan for key, plan in wanted.items() if key not in existing}

    def where(key: Key) -> dict[str, Any]:
        who = people[key[0]].id
        return dict(zip([f"key_{name}" for name in _KEY_COLUMNS], (who, *key[1:]), strict=True))

    moves = [
        where(key)
        | {"status": "scheduled", "cancelled_at": None, "scheduled_at": plan.scheduled_at}
        | {"expires_at": plan.expires_at, "remind_at": plan.remind_at}
        for key, plan in wanted.items()
        if (row := existing.get(key)) is not None
        and row[0] in ("scheduled", "cancelled")
        and row[1] > now
        and (row[0] == "cancelled" or row[1] != plan.scheduled_at)
    ]
    cancels = [
        where(key) | {"status": "cancelled", "cancelled_at": now}
        for key, (status, at) in existing.items()
        if key not in wanted and status == "scheduled" and at > now
    ]
    if new:
        _insert(session, _new_rows(session, people, new, study, document))
    if moves:
        session.execute(_MOVE, moves)
    if cancels:
        session.execute(_CANCEL, cancels)
    return len(new) + len(moves) + len(cancels)


def plan_participant(
    *,
    session: Session,
    participant: Participant,
    study: Study,
    document: ProtocolDocument,
    now: datetime,
) -> int:
    """Bring her future prompts in line with her settings and protocol; returns rows changed.

    Idempotent: planning is deterministic, so an unchanged day writes nothing. Only prompts
    still waiting in the future move; anything sent, answered or past is left as it happened.
    """
    if participant.withdrawn_at is not None:
        return 0
    changed = _plan_batch(session, [participant], study, document, now)
    session.commit()
    return changed


def plan_study(*, session: Session, study: Study, document: ProtocolDocument, now: datetime) -> int:
    """`plan_participant` for everyone still in the study, one read and one commit per batch."""
    people = session.execute(
        select(*_HER)
        .where(col(Participant.study_id) == study.id)
        .where(col(Participant.withdrawn_at).is_(None))
        .order_by(col(Participant.id))
    ).all()
    changed = 0
    for start in range(0, len(people), PLAN_BATCH):
        batch: Sequence[Her] = people[start : start + PLAN_BATCH]  # type: ignore[assignment]
        changed += _plan_batch(session, batch, study, document, now)
        session.commit()
    return changed
