"""The follow-up prompt that measures a decision point's proximal outcome, scheduled for
every randomized decision point, offered or not, so both arms have an outcome.

It is an ordinary prompt (sent, reminded and expired like the planned ones) under a schedule
id no protocol can use, so planning never moves or cancels it; withdrawal cancels it.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from savor.ema import registry
from savor.ema.models import Prompt
from savor.ids import new_id
from savor.practices import progress
from savor.studies.decision_rules import ProximalOutcome

SCHEDULE_ID = "decision:follow_up"  # protocol schedule ids have no ':'
KIND = "follow_up"


def window(outcome: ProximalOutcome, decided_at: datetime) -> tuple[datetime, datetime]:
    start, end = outcome.window_minutes
    return decided_at + timedelta(minutes=start), decided_at + timedelta(minutes=end)


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
) -> dict[str, Any]:
    """Her follow-up prompt, open for the whole window; `taken` holds the slots of the set."""
    instrument = registry.current(outcome.instrument)
    day = progress.local_date(opens, timezone)
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
        "scheduled_at": opens,
        "expires_at": closes,
        "remind_at": None,
        "answered_late": False,
        "send_attempts": 0,
        "pushed": 0,
    }
