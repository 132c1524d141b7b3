"""Small builders for test data, going through the same services the app uses."""

import asyncio
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, TypeVar

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from savor.clock import utcnow
from savor.config import Settings
from savor.ema.models import Prompt
from savor.practices.shipped import default_catalog
from savor.research import service as research_service
from savor.research.access import ALL_BUT_FREE_TEXT, TokenScope
from savor.studies import service as studies_service
from savor.studies.models import Participant, Study

T = TypeVar("T")


def make_study(session: Session, slug: str = "pilot", name: str = "Pilot study") -> Study:
    return studies_service.create_study(session=session, slug=slug, name=name, now=utcnow())


def make_code(
    session: Session,
    settings: Settings,
    study: Study,
    *,
    now: datetime | None = None,
    days: int = 7,
) -> str:
    return studies_service.create_enrollment_codes(
        session=session,
        study=study,
        count=1,
        expires_in_days=days,
        pepper=settings.pepper(),
        now=now or utcnow(),
    )[0]


def make_research_token(
    session: Session, study: Study, scopes: list[TokenScope] | None = None, label: str = "analyst"
) -> str:
    return research_service.create_research_token(
        session=session,
        study=study,
        scopes=scopes if scopes is not None else ALL_BUT_FREE_TEXT,
        label=label,
        now=utcnow(),
    )


def enroll(
    client: TestClient, code: str, timezone: str = "America/Chicago", language: str = "en"
) -> str:
    """Enroll through the API; returns her bearer token."""
    response = client.post(
        "/api/v1/enroll",
        json={"code": code, "timezone": timezone, "language": language, "consent_version": 1},
    )
    assert response.status_code == 201, response.text
    return response.json()["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def days_ago(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def make_participant(
    client: TestClient,
    session: Session,
    settings: Settings,
    *,
    study: Study | None = None,
    enrolled_at: datetime | None = None,
    timezone: str = "America/Chicago",
    language: str = "en",
    stage: str | None = "postpartum",
) -> tuple[dict[str, str], Participant]:
    """An enrolled mother (optionally enrolled in the past); returns her auth headers and row."""
    study = study or studies_service.get_study(session=session, slug="pilot") or make_study(session)
    token = enroll(client, make_code(session, settings, study), timezone, language)
    participant = session.exec(
        select(Participant).order_by(col(Participant.enrolled_at).desc())
    ).first()
    assert participant is not None
    participant.stage = stage
    if enrolled_at is not None:
        participant.enrolled_at = enrolled_at
    session.add(participant)
    session.commit()
    session.refresh(participant)
    return bearer(token), participant


def prompts_of(session: Session, participant: Participant) -> list[Prompt]:
    session.expire_all()
    return list(
        session.exec(
            select(Prompt)
            .where(Prompt.participant_id == participant.id)
            # Waves of several questionnaires open at the same moment: the id keeps their
            # order the same from one read to the next (PostgreSQL returns ties in any order).
            .order_by(col(Prompt.scheduled_at), col(Prompt.id))
        )
    )


def first_checkin(session: Session, participant: Participant) -> Prompt:
    """Her first momentary check-in. Which prompt comes first depends on the hour the test runs
    (late in her day it is the diary), so tests answering check-in items pick one by name."""
    return next(p for p in prompts_of(session, participant) if p.instrument_id == "momentary")


def first_due(session: Session, participant: Participant) -> tuple[Prompt, datetime]:
    """Her next scheduled prompt, and a moment just after it is due."""
    prompt = next(p for p in prompts_of(session, participant) if p.status == "scheduled")
    return prompt, prompt.scheduled_at + timedelta(seconds=1)


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to its end, even where this thread already runs an event loop (the
    browser tests' Playwright leaves one running in the main thread)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def practice_body(started: datetime | None = None, **changes: Any) -> dict[str, Any]:
    """A finished 10-minute P01 as her phone reports it, begun `started` (12 minutes ago)."""
    started = started or utcnow() - timedelta(minutes=12)
    return {
        "client_id": str(uuid.uuid4()),
        "practice_id": "P01",
        "practice_version": default_catalog().practices["P01"].version,
        "variant": "10min",
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=10)).isoformat(),
        "completed": True,
        "seconds_practiced": 600,
        "steps_completed": 8,
        "trigger": "self",
    } | changes
