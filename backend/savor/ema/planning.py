"""Planning prompts in her day, and keeping them in step with her settings and protocol.

Two ways through, decided per participant by her plan key (what her plan was made from):
- checked: derive her days, read what is stored, and insert, move or cancel to match. Used when
  she is new, changed her zone or hours, or the protocol changed; it records her key and the
  last day it planned.
- new days only: while her key still matches, the days up to her last planned one (or up to
  the study's last full run) are as they should be, and only the days after it are derived and
  inserted, with nothing read. A day someone else planned meanwhile makes the insert fail; that
  batch is then checked instead.
"""

import hashlib
import uuid
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from savor.ema.decisions import follow_up, probes
from savor.ema.decisions.follow_up import SCHEDULE_ID as FOLLOW_UP_SCHEDULE
from savor.ema.models import Prompt
from savor.ema.prompt_rows import NewPrompts
from savor.ema.schedule import PlannedPrompt, plan_day
from savor.ema.waves import WAVE_KIND, plan_waves
from savor.practices import progress
from savor.studies.models import Participant, Study
from savor.studies.protocol import ProtocolDocument
from savor.studies.pseudonym import planning_seed

PLAN_DAYS_AHEAD = 1  # today and tomorrow, so a phone that goes offline still knows its day
# Participants planned per read and per commit: big enough to amortise the round trips,
# small enough that one commit stays short and a batch's rows fit easily in memory.
PLAN_BATCH = 2_000
# Part of every plan key: a release that plans differently checks every plan once.
PLANNER_VERSION = 1


class Her(Protocol):
    """What planning reads of a participant: a Participant, or a row of just these columns."""

    id: uuid.UUID
    timezone: str
    wake_time: time
    sleep_time: time
    enrolled_at: datetime
    stage: str | None
    plan_key: str | None
    planned_through: date | None
    practice_reminder_time: time | None


# Within a batch she is known by her position, so keys hash as ints and not as UUIDs.
Key = tuple[int, str, date, int]  # participant's position, schedule, local date, slot
_HER = (
    Participant.id,
    Participant.timezone,
    Participant.wake_time,
    Participant.sleep_time,
    Participant.enrolled_at,
    Participant.stage,
    Participant.plan_key,
    Participant.planned_through,
    Participant.practice_reminder_time,
)
_TABLE = Prompt.__table__  # type: ignore[attr-defined]
_PEOPLE = Participant.__table__  # type: ignore[attr-defined]
_STUDIES = Study.__table__  # type: ignore[attr-defined]
_KEY_COLUMNS = ("participant_id", "schedule_id", "local_date", "slot")


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
_RECORD_PLAN = (
    update(_PEOPLE)
    .where(_PEOPLE.c.id == bindparam("her_id"))
    .values(plan_key=bindparam("key"), planned_through=bindparam("through"))
)


def plan_key(her: Her, *, protocol_version: int) -> str:
    """A digest of everything her plan is derived from besides the study's own secret."""
    text = "|".join(
        (
            str(PLANNER_VERSION),
            str(protocol_version),
            her.timezone,
            her.wake_time.isoformat(),
            her.sleep_time.isoformat(),
            f"{her.enrolled_at.timestamp():.6f}",
            her.practice_reminder_time.isoformat() if her.practice_reminder_time else "",
        )
    )
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _planned_days(today: date) -> list[date]:
    return [today + timedelta(days=offset) for offset in range(PLAN_DAYS_AHEAD + 1)]


def _her_plans(
    her: Her,
    days: Sequence[date],
    *,
    study: Study,
    document: ProtocolDocument,
    now: datetime,
    waves_from: date | None = None,
) -> Iterator[PlannedPrompt]:
    """Her prompts still to come on these local days, none before the day she enrolled, and
    her waves opening from `waves_from` (the first day not planned before) to the last day."""
    first_day = progress.local_date(her.enrolled_at, her.timezone)
    seed = planning_seed(study_secret=study.secret, participant_id=her.id)
    for day in days:
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
                yield plan
        for plan in probes.plan_probes(
            document.decisions,
            local_date=day,
            tz=her.timezone,
            wake=her.wake_time,
            sleep=her.sleep_time,
            seed=seed,
            reminder=her.practice_reminder_time,
        ):
            if plan.scheduled_at > now:
                yield plan
    # A wave stays open for days: one opening today is still asked after its opening time, and
    # one whose day passed while planning did not run is caught up.
    if not days:
        return
    first = days[0] if waves_from is None else min(days[0], max(waves_from, first_day))
    yield from plan_waves(
        document.waves,
        first,
        days[-1],
        first_day=first_day,
        enrolled_at=her.enrolled_at,
        stage=her.stage,
        tz=her.timezone,
        wake=her.wake_time,
        sleep=her.sleep_time,
        now=now,
    )


def _planned_through(her: Her, since: datetime | None) -> date | None:
    """The last of her days already planned: hers, or the study's last full run's."""
    last = None if since is None else progress.local_date(since, her.timezone)
    through = None if last is None else last + timedelta(days=PLAN_DAYS_AHEAD)
    if through is None or (her.planned_through and her.planned_through > through):
        through = her.planned_through
    return through


def _waves_from(her: Her, since: datetime | None) -> date | None:
    """The first day whose waves were never planned: None means from the day she joined."""
    through = _planned_through(her, since)
    return None if through is None else through + timedelta(days=1)


def _wanted(
    people: Sequence[Her], *, study: Study, document: ProtocolDocument, now: datetime
) -> tuple[dict[Key, PlannedPrompt], dict[int, list[date]]]:
    """Their future prompts for today and tomorrow, their waves not planned before, and the
    days planned, by position."""
    wanted: dict[Key, PlannedPrompt] = {}
    days: dict[int, list[date]] = {}
    for n, her in enumerate(people):
        days[n] = _planned_days(progress.local_date(now, her.timezone))
        waves_from = _waves_from(her, study.planned_at) or date.min
        for plan in _her_plans(
            her, days[n], study=study, document=document, now=now, waves_from=waves_from
        ):
            wanted[(n, plan.schedule_id, plan.local_date, plan.slot)] = plan
    return wanted, days


def _new_plans(
    people: Sequence[Her],
    *,
    study: Study,
    document: ProtocolDocument,
    now: datetime,
    since: datetime | None,
) -> Iterator[tuple[uuid.UUID, PlannedPrompt]]:
    """Prompts of the days after her last planned one (hers, or the study's last run's),
    derived as they are asked for."""
    # Thousands share a zone: their today, and the last day the study's last run planned.
    zones: dict[str, tuple[list[date], date | None]] = {}
    for her in people:
        if her.timezone not in zones:
            last = None if since is None else progress.local_date(since, her.timezone)
            zones[her.timezone] = (
                _planned_days(progress.local_date(now, her.timezone)),
                None if last is None else last + timedelta(days=PLAN_DAYS_AHEAD),
            )
        days, through = zones[her.timezone]
        if through is None or (her.planned_through and her.planned_through > through):
            through = her.planned_through
        if through is None or days[-1] <= through:
            continue
        new_days = [day for day in days if day > through]
        # Waves from the first day not planned, which is before today after an outage.
        waves_from = through + timedelta(days=1)
        for plan in _her_plans(
            her, new_days, study=study, document=document, now=now, waves_from=waves_from
        ):
            yield her.id, plan


def _existing(
    session: Session, people: Sequence[Her], days: dict[int, list[date]], now: datetime
) -> dict[Key, tuple[str, datetime]]:
    """(status, scheduled_at) of their stored prompts on the planned days, of any still
    waiting on another day, and of every wave, in one read.

    A prompt waiting on a day outside her planned ones is left from an earlier zone: moving
    east, the old zone's evening falls in her new night, on a day before her new today.
    """
    position = {her.id: n for n, her in enumerate(people)}
    waiting = (_TABLE.c.status == "scheduled") & (_TABLE.c.scheduled_at > now)
    rows = session.execute(
        select(
            *(_TABLE.c[name] for name in _KEY_COLUMNS),
            _TABLE.c.status,
            _TABLE.c.scheduled_at,
            _TABLE.c.kind,
        )
        .where(_TABLE.c.participant_id.in_(list(position)))
        # Waves too, whatever their day: a wave caught up late is on a day before today.
        .where(
            _TABLE.c.local_date.in_({day for hers in days.values() for day in hers})
            | waiting
            | (_TABLE.c.kind == WAVE_KIND)
        )
        # A decision point's follow-up is no schedule's: planning never moves or cancels it.
        .where(_TABLE.c.schedule_id != FOLLOW_UP_SCHEDULE)
    )
    found = {}
    for who, schedule_id, day, slot, status, at, kind in rows:
        n = position[who]
        if day in days[n] or (status == "scheduled" and at > now) or kind == WAVE_KIND:
            found[(n, schedule_id, day, slot)] = (status, at)
    return found


def _check_batch(
    session: Session, people: Sequence[Her], study: Study, document: ProtocolDocument, now: datetime
) -> int:
    """The checked way: her stored days made to match her plan, and her plan key recorded."""
    wanted, days = _wanted(people, study=study, document=document, now=now)
    existing = _existing(session, people, days, now)
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
        rows = NewPrompts(session, document, study.active_protocol_version)
        rows.insert([(people[key[0]].id, plan) for key, plan in new.items()])
    if moves:
        session.execute(_MOVE, moves)
    if cancels:
        session.execute(_CANCEL, cancels)
    version = study.active_protocol_version
    records = [
        {"her_id": her.id, "key": plan_key(her, protocol_version=version), "through": days[n][-1]}
        for n, her in enumerate(people)
    ]
    session.execute(_RECORD_PLAN, records)
    return len(new) + len(moves) + len(cancels)


def _add_new_days(
    session: Session, people: Sequence[Her], study: Study, document: ProtocolDocument, now: datetime
) -> int | None:
    """The new-days way, in the session's open transaction; None if a day was taken meanwhile.

    Nothing is recorded per participant: the study's `planned_at`, set once everyone has been
    through, says how far they are planned.
    """
    rows = NewPrompts(session, document, study.active_protocol_version)
    try:
        return rows.insert(
            _new_plans(people, study=study, document=document, now=now, since=study.planned_at)
        )
    except IntegrityError:
        session.rollback()
        return None


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
    changed = _check_batch(session, [participant], study, document, now)
    changed += follow_up.keep_awake(session=session, participant=participant, now=now)
    session.commit()
    return changed


def plan_study(*, session: Session, study: Study, document: ProtocolDocument, now: datetime) -> int:
    """`plan_participant` for everyone still in the study, one read and one commit per batch.

    Those whose plan key still matches only get their new days; the rest are checked.
    """
    people = session.execute(
        select(*_HER)
        .where(col(Participant.study_id) == study.id)
        .where(col(Participant.withdrawn_at).is_(None))
        .order_by(col(Participant.id))
    ).all()
    version = study.active_protocol_version
    changed = 0
    for start in range(0, len(people), PLAN_BATCH):
        batch: Sequence[Her] = people[start : start + PLAN_BATCH]  # type: ignore[assignment]
        settled: list[Her] = []
        unsettled: list[Her] = []
        for her in batch:
            known = her.planned_through is not None or study.planned_at is not None
            matches = her.plan_key == plan_key(her, protocol_version=version)
            (settled if known and matches else unsettled).append(her)
        added = _add_new_days(session, settled, study, document, now) if settled else 0
        if added is None:
            unsettled = batch  # someone planned some of these days meanwhile: check them all
        else:
            changed += added
        if unsettled:
            changed += _check_batch(session, unsettled, study, document, now)
        session.commit()
    session.execute(
        update(_STUDIES)
        .where(_STUDIES.c.id == study.id)
        .where(or_(_STUDIES.c.planned_at.is_(None), _STUDIES.c.planned_at < now))
        .values(planned_at=now)
    )
    session.commit()
    return changed
