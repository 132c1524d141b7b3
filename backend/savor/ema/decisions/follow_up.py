"""The follow-up prompt that measures a decision point's proximal outcome, scheduled for
every randomized decision point, offered or not, so both arms have an outcome.

It is an ordinary prompt (sent, reminded and expired like the planned ones) under a schedule
id no protocol can use, so the protocol's planning never moves or cancels it; withdrawal cancels
it.

Like every prompt, it is never sent outside her waking hours: a window that opens while she
sleeps (a check-in late at night) is followed up from the moment she wakes, if the window is
still open then; a window wholly inside her sleep has no follow-up, and its outcome comes from
another check-in in the window or is missing. When she moves or changes her waking hours, a
follow-up still waiting moves with them (keep_awake).
"""

import uuid
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlmodel import Session
from sqlmodel import select as sqlmodel_select

from savor.ema import registry
from savor.ema.models import Prompt
from savor.ema.schedule import waking_window
from savor.ids import new_id
from savor.practices import progress
from savor.studies.decision_rules import ProximalOutcome
from savor.studies.models import Participant

SCHEDULE_ID = "decision:follow_up"  # protocol schedule ids have no ':'
KIND = "follow_up"


def window(outcome: ProximalOutcome, decided_at: datetime) -> tuple[datetime, datetime]:
    start, end = outcome.window_minutes
    return decided_at + timedelta(minutes=start), decided_at + timedelta(minutes=end)


def first_awake(
    connection: Connection,
    *,
    participant_id: uuid.UUID,
    opens: datetime,
    closes: datetime,
    timezone: str,
) -> datetime | None:
    """The first moment of the window in her waking hours, or None if she sleeps through it."""
    wake, sleep = connection.execute(
        select(Participant.wake_time, Participant.sleep_time).where(
            Participant.id == participant_id
        )
    ).one()
    return _first_awake(opens, closes, timezone=timezone, wake=wake, sleep=sleep)


def _first_awake(
    opens: datetime, closes: datetime, *, timezone: str, wake: time, sleep: time
) -> datetime | None:
    day = progress.local_date(opens, timezone)
    for local_date in (day - timedelta(days=1), day, day + timedelta(days=1)):
        start, end = waking_window(local_date=local_date, tz=timezone, wake=wake, sleep=sleep)
        if max(opens, start) < min(closes, end):
            return max(opens, start)
    return None


def keep_awake(*, session: Session, participant: Participant, now: datetime) -> int:
    """After a move or new waking hours, her waiting follow-ups go to the first moment of
    their window she is awake in now, never earlier than they were to go; one she would
    sleep through is cancelled. Returns the prompts changed."""
    waiting = session.exec(
        sqlmodel_select(Prompt)
        .where(Prompt.participant_id == participant.id)
        .where(Prompt.schedule_id == SCHEDULE_ID)
        .where(Prompt.status == "scheduled")
        .where(Prompt.scheduled_at > now)
    ).all()
    changed = 0
    for prompt in waiting:
        at = _first_awake(
            prompt.scheduled_at,
            prompt.expires_at,
            timezone=participant.timezone,
            wake=participant.wake_time,
            sleep=participant.sleep_time,
        )
        if at == prompt.scheduled_at:
            continue
        if at is None:
            prompt.status, prompt.cancelled_at = "cancelled", now
        else:
            prompt.scheduled_at = at
        session.add(prompt)
        changed += 1
    return changed


def prompt_row(
    connection: Connection,
    *,
    participant_id: uuid.UUID,
    outcome: ProximalOutcome,
    protocol_version: int,
    opens: datetime,
    closes: datetime,
    timezone: str,
    taken: set[tuple[uuid.UUID, Any, int]],
) -> dict[str, Any] | None:
    """Her follow-up prompt, sent at the window's first waking moment and open until it ends
    (None when she sleeps through it); `taken` holds the slots of the set."""
    sent_at = first_awake(
        connection, participant_id=participant_id, opens=opens, closes=closes, timezone=timezone
    )
    if sent_at is None:
        return None
    instrument = registry.current(outcome.instrument)
    day = progress.local_date(sent_at, timezone)
    stored = connection.execute(
        select(func.max(Prompt.slot)).where(
            Prompt.participant_id == participant_id,
            Prompt.schedule_id == SCHEDULE_ID,
            Prompt.local_date == day,
        )
    ).scalar()
    slot = (stored or 0) + 1
    while (participant_id, day, slot) in taken:
        slot += 1
    taken.add((participant_id, day, slot))
    return {
        "id": new_id(),
        "participant_id": participant_id,
        "schedule_id": SCHEDULE_ID,
        "kind": KIND,
        "instrument_id": instrument.id,
        "instrument_version": str(instrument.version),
        "protocol_version": protocol_version,
        "local_date": day,
        "slot": slot,
        "status": "scheduled",
        "scheduled_at": sent_at,
        "expires_at": closes,
        "remind_at": None,
        "answered_late": False,
        "send_attempts": 0,
        "pushed": 0,
    }
