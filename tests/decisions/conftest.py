"""A study running a micro-randomized trial, and her check-ins in it."""

import sys
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

import savor.clock
from savor.clock import time_zone, utcnow
from savor.ema.decisions.models import Decision
from savor.studies import service as studies_service
from savor.studies.models import Study
from tests.decisions.protocols import DECISIONS
from tests.factories import make_study


def run_trial(session: Session, block: str = DECISIONS) -> Study:
    """The pilot study with `block` as its protocol's decisions."""
    study = studies_service.get_study(session=session, slug="pilot") or make_study(session)
    source = studies_service.protocol_source_for(slug="pilot", name="Pilot study") + block
    studies_service.apply_protocol(session=session, source=source, now=utcnow())
    session.refresh(study)
    return study


@pytest.fixture
def trial(session: Session) -> Study:
    return run_trial(session)


def check_in(
    client: TestClient,
    headers: dict[str, str],
    instrument: str = "momentary",
    *,
    sent: datetime | None = None,
    client_id: uuid.UUID | None = None,
    prompt_id: uuid.UUID | None = None,
    **values: int,
) -> dict:
    body = {
        "prompt_id": str(prompt_id) if prompt_id else None,
        "client_id": str(client_id or uuid.uuid4()),
        "instrument_id": instrument,
        "instrument_version": "1",
        "submitted_at": (sent or utcnow()).isoformat(),
        "answers": [{"item_id": k, "value": v} for k, v in values.items()],
    }
    response = client.post("/api/v1/responses", headers=headers, json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


def decisions_of(session: Session) -> list[Decision]:
    session.expire_all()
    return list(session.exec(select(Decision).order_by(col(Decision.decided_at))))


def practice_offers(reply: dict) -> list[dict]:
    return [o for o in reply["offers"] if o["practice_id"] is not None]


AN_HOUR = timedelta(hours=1)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Sets the moment every module of the service reads as now."""
    real = savor.clock.utcnow
    holders = [m for n, m in sys.modules.items() if n.startswith("savor") and m is not None]
    holders = [m for m in holders if getattr(m, "utcnow", None) is real]

    def set_now(moment: datetime) -> None:
        for module in holders:
            monkeypatch.setattr(module, "utcnow", lambda: moment)

    return set_now


def sleeps(
    client: TestClient,
    headers: dict,
    *,
    wake_in: timedelta,
    sleep_in: timedelta,
    around: datetime | None = None,
) -> datetime:
    """Her waking hours set around `around` (now by default; to the minute, in her zone);
    returns her wake time."""
    at = (around or utcnow()).astimezone(time_zone("America/Chicago"))
    at = at.replace(second=0, microsecond=0)
    wake, sleep = at + wake_in, at + sleep_in
    body = {"wake_time": f"{wake:%H:%M}", "sleep_time": f"{sleep:%H:%M}"}
    assert client.patch("/api/v1/me", headers=headers, json=body).status_code == 200
    return wake


def awake(client: TestClient, headers: dict) -> None:
    """Her waking hours from five hours ago to ten hours on: a decision made now has its whole
    follow-up window while she is awake, whatever the hour the tests run at."""
    sleeps(client, headers, wake_in=timedelta(hours=-5), sleep_in=timedelta(hours=10))
