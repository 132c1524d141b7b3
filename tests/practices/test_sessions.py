"""POST /api/v1/practice-sessions: stored once, replayed safely, validated clearly."""

import uuid
from datetime import timedelta

from sqlmodel import select

from savor.clock import utcnow
from savor.practices.models import PracticeSession
from savor.practices.shipped import default_catalog
from tests.factories import make_participant


def _body(**changes) -> dict:
    started = utcnow() - timedelta(minutes=12)
    body = {
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
        "pre": [
            {"item_id": "S1", "value": 7},
            {"item_id": "C1", "value": 4},
            {"item_id": "A1", "declined": True},
        ],
        "post": [{"item_id": "S1", "value": 3}, {"item_id": "C1", "value": 2}],
    }
    return body | changes


def test_session_is_stored_with_its_content_version(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    response = client.post("/api/v1/practice-sessions", headers=headers, json=_body())
    assert response.status_code == 201
    stored = session.exec(select(PracticeSession)).one()
    assert stored.practice_version == default_catalog().practices["P01"].version
    assert stored.pre_instrument == "pre_practice"
    assert stored.program_week == 1
    assert stored.pre[2] == {"item_id": "A1", "value": None, "declined": True}


def test_replaying_the_same_record_returns_it_once(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    body = _body()
    first = client.post("/api/v1/practice-sessions", headers=headers, json=body)
    second = client.post("/api/v1/practice-sessions", headers=headers, json=body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert len(session.exec(select(PracticeSession)).all()) == 1


def test_same_client_id_with_another_body_is_a_conflict(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    body = _body()
    client.post("/api/v1/practice-sessions", headers=headers, json=body)
    response = client.post(
        "/api/v1/practice-sessions", headers=headers, json=body | {"seconds_practiced": 300}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "client_id_reused"


def test_two_mothers_may_use_the_same_client_id(client, session, settings):
    first, _ = make_participant(client, session, settings)
    second, _ = make_participant(client, session, settings)
    body = _body()
    assert client.post("/api/v1/practice-sessions", headers=first, json=body).status_code == 201
    assert client.post("/api/v1/practice-sessions", headers=second, json=body).status_code == 201


def test_skipped_ratings_are_stored_as_skipped(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    body = _body(pre=None, post=None, completed=False, seconds_practiced=90, steps_completed=2)
    assert client.post("/api/v1/practice-sessions", headers=headers, json=body).status_code == 201
    stored = session.exec(select(PracticeSession)).one()
    assert (stored.pre, stored.post, stored.completed) == (None, None, False)


def test_each_mistake_is_named(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    body = _body(
        variant="7min",
        pre=[{"item_id": "S1", "value": 11}],
        started_at=(utcnow() + timedelta(hours=2)).isoformat(),
        ended_at=None,
    )
    response = client.post("/api/v1/practice-sessions", headers=headers, json=body)
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["error"]["fields"]}
    assert {"variant", "started_at", "pre.S1"} <= fields
    assert session.exec(select(PracticeSession)).all() == []


def test_prompted_session_needs_its_prompt(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    response = client.post(
        "/api/v1/practice-sessions", headers=headers, json=_body(trigger="prompt")
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "prompt_id"


def test_naive_timestamps_are_refused(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    body = _body(started_at="2026-03-02T09:00:00")
    response = client.post("/api/v1/practice-sessions", headers=headers, json=body)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "started_at"


def test_practice_hidden_from_her_audience_is_refused(client, session, settings):
    headers, _ = make_participant(client, session, settings, stage="pregnant")
    body = _body(
        practice_id="P09",
        variant="5min",
        practice_version=default_catalog().practices["P09"].version,
        pre=None,
        post=None,
    )
    response = client.post("/api/v1/practice-sessions", headers=headers, json=body)
    assert response.status_code == 404


def test_a_late_session_from_an_offline_phone_is_kept(client, session, settings):
    headers, _ = make_participant(
        client, session, settings, enrolled_at=utcnow() - timedelta(days=10)
    )
    started = utcnow() - timedelta(days=9)
    body = _body(
        started_at=started.isoformat(), ended_at=(started + timedelta(minutes=10)).isoformat()
    )
    assert client.post("/api/v1/practice-sessions", headers=headers, json=body).status_code == 201
    assert session.exec(select(PracticeSession)).one().program_week == 1


def test_withdrawn_mother_cannot_add_sessions(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    client.post("/api/v1/me/withdraw", headers=headers)
    response = client.post("/api/v1/practice-sessions", headers=headers, json=_body())
    assert response.status_code == 403


def test_summary_reflects_her_sessions(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    client.post("/api/v1/practice-sessions", headers=headers, json=_body())
    summary = client.get("/api/v1/me/summary", headers=headers).json()
    assert (summary["practice_days"], summary["minutes"]) == (1, 10)
    assert summary["before_after"]["stress"] == {
        "sessions": 1,
        "before": 7.0,
        "after": 3.0,
        "change": -4.0,
    }
    assert summary["daily"][0]["stress"] == 7.0


def test_program_progress_counts_this_weeks_practice(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    client.post("/api/v1/practice-sessions", headers=headers, json=_body())
    assert client.get("/api/v1/program", headers=headers).json()["progress"] == {
        "practice_days": 1,
        "minutes": 10,
    }


def test_summary_includes_her_check_ins(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    now = utcnow()
    answers = [{"item_id": "S1", "value": 2}, {"item_id": "A1", "value": 8}]
    client.post(
        "/api/v1/responses",
        headers=headers,
        json={
            "client_id": str(uuid.uuid4()),
            "instrument_id": "hard_moment",
            "instrument_version": "1",
            "submitted_at": now.isoformat(),
            "answers": [{"item_id": "S1", "value": 2}, {"item_id": "C1", "value": 4}],
        },
    )
    client.post(
        "/api/v1/responses",
        headers=headers,
        json={
            "client_id": str(uuid.uuid4()),
            "instrument_id": "momentary",
            "instrument_version": "1",
            "submitted_at": now.isoformat(),
            "answers": answers,
        },
    )
    [today] = client.get("/api/v1/me/summary", headers=headers).json()["daily"]
    assert (today["stress"], today["craving"], today["positive_affect"]) == (2.0, 4.0, 8.0)


def test_the_quiet_timer_accepts_a_length_she_chose(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    body = _body(
        practice_id="T01",
        practice_version=default_catalog().practices["T01"].version,
        variant="custom",
        seconds_practiced=420,
        steps_completed=1,
        pre=None,
        post=None,
    )
    assert client.post("/api/v1/practice-sessions", headers=headers, json=body).status_code == 201


def test_a_custom_length_is_only_for_the_timer(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    response = client.post(
        "/api/v1/practice-sessions", headers=headers, json=_body(variant="custom")
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "variant"
