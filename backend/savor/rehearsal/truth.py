"""What a phone knows happened: the simulator's ground truth the exports are checked against."""

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any


@dataclass
class Record:
    """A record her phone sent (a check-in, a practice session) and what became of it."""

    kind: str  # "response" or "practice"
    client_id: str
    moment: datetime  # submitted_at of a check-in, started_at of a practice session
    body: dict[str, Any]
    prompt_id: str | None = None
    late: bool = False
    answer: dict[str, Any] | None = None  # the server's first 2xx answer
    status: int | None = None  # the last status it got


@dataclass
class WaveFill:
    """How she filled one questionnaire wave, as her phone saw it."""

    prompt_id: str
    wave: str  # the protocol's wave id (the prompt's schedule_id)
    instrument_id: str
    planned: bool = False  # she meant to fill it (her first sitting is on her calendar)
    sittings: int = 0
    offline_sitting: bool = False  # a sitting with no connection: sent when she was back
    opened_at: datetime | None = None  # her first sitting
    sent_at: datetime | None = None  # submitted_at of what she sent
    items: int = 0
    declined: int = 0
    crisis: bool = False  # the server's answer said it reached a crisis threshold


@dataclass
class Truth:
    enrolled_at: datetime | None = None
    withdrawn_at: datetime | None = None
    wake: time = time(7, 0)
    sleep: time = time(22, 0)
    zones: list[tuple[datetime, str]] = field(default_factory=list)  # (from, zone)
    acked: dict[str, Record] = field(default_factory=dict)  # client_id → record (a 2xx)
    refused: list[Record] = field(default_factory=list)  # never got a 2xx
    replays: list[tuple[Record, int, bool]] = field(default_factory=list)  # status, same answer
    # prompt id → expires_at, for every prompt a push told her about
    prompts: dict[str, datetime] = field(default_factory=dict)
    pushes: list[tuple[str, str, datetime]] = field(default_factory=list)  # prompt, kind, sent
    answered: dict[str, Record | None] = field(default_factory=dict)  # prompt id → her answer
    offer_outcomes: dict[str, str] = field(default_factory=dict)  # offer id → her answer
    practised_dates: set[Any] = field(default_factory=set)
    practice_seconds: int = 0
    waves: dict[str, WaveFill] = field(default_factory=dict)  # prompt id → how she filled it
    # A trial's offer notifications (probes, practice reminders): prompt id → expires_at, and
    # what she did with one that got a 2xx ("accepted": opened; "declined": swiped away).
    offer_notices: dict[str, datetime] = field(default_factory=dict)
    notice_outcomes: dict[str, str] = field(default_factory=dict)
    reminder_asked: bool = False  # her app has offered her a practice reminder time
    # Consent: each agreement that got a 2xx (version, moment), the newer version the study
    # published for her app to show, and whether she will agree to it.
    consents: list[tuple[int, datetime]] = field(default_factory=list)
    consent_published: int | None = None
    consent_published_at: datetime | None = None
    consent_willing: bool | None = None

    def zone_at(self, moment: datetime) -> str:
        zone = self.zones[0][1]
        for since, name in self.zones:
            if since <= moment:
                zone = name
        return zone
