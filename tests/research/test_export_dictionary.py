"""Exports as an analyst reads them: flags, offers, context, types and the dictionary."""

import uuid
from datetime import timedelta

from savor.clock import utcnow
from savor.practices.shipped import default_catalog
from savor.studies.models import Study
from tests.factories import make_participant, make_research_token
from tests.research.expected import get, read_csv


def _practice(client, headers, practice_id: str, **changes) -> dict:
    practice = default_catalog().practices[practice_id]
    started = utcnow() - timedelta(minutes=12)
    body = {
        "client_id": str(uuid.uuid4()),
        "practice_id": practice_id,
        "practice_version": practice.version,
        "variant": practice.variants[0].key,
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=10)).isoformat(),
        "completed": True,
        "seconds_practiced": 600,
        "steps_completed": 3,
        "trigger": "self",
    } | changes
    response = client.post("/api/v1/practice-sessions", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_locked_practice_is_kept_and_flagged(client, session, settings):
    # P04 unlocks in week 5; a phone offline when her week turned may send it in week 1.
    headers, participant = make_participant(client, session, settings)
    _practice(client, headers, "P04")
    _practice(client, headers, "P01")
    token = make_research_token(session, session.get(Study, participant.study_id))
    rows = {r["practice_id"]: r for r in read_csv(get(client, token, "practice_sessions"))}
    assert rows["P04"]["locked_at_time"] == "true"
    assert rows["P01"]["locked_at_time"] == "false"
