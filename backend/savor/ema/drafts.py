"""A check-in drafted by the request, on its way to the storer that re-checks and stores it."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from savor.ema.decisions.checkin import CheckinPoint
from savor.ema.instruments import Instrument


@dataclass(frozen=True)
class Draft:
    """One answer set, checked and ready to store; what it assumed is checked again then."""

    token_hash: str
    participant_id: uuid.UUID
    protocol_version: int
    client_id: uuid.UUID
    body_hash: str
    prompt_id: uuid.UUID | None
    instrument: Instrument
    started_at: datetime | None
    submitted_at: datetime
    received_at: datetime
    context: dict[str, Any]
    answers: list[dict[str, Any]]
    offers: list[tuple[str, str | None]]
    crisis: list[str]
    alert_staff: bool
    timezone: str  # hers in the snapshot; the storer stores the one it reads
    # Her answers make a decision point of the study's trial (ema/decisions/checkin.py).
    decision_point: CheckinPoint | None = None
