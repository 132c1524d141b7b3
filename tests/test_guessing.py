"""Guessing tokens and codes: guessers wait, the mothers and researchers they share with don't."""

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from savor.clock import utcnow
from savor.config import Settings
from tests.factories import bearer, make_code, make_participant, make_research_token, make_study

LIMIT = 3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"token_max_failures": LIMIT})


def _lock_out(client: TestClient) -> None:
    """Unknown tokens from this address, each with its own prefix, up to the limit."""
    for i in range(LIMIT):
        guess = f"svp_{i}guess{i}xx-rest"
        assert client.get("/api/v1/me", headers=bearer(guess)).status_code == 401


def _checkin() -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "prompt_id": None,
        "instrument_id": "hard_moment",
        "instrument_version": "1",
        "started_at": (utcnow() - timedelta(minutes=2)).isoformat(),
        "submitted_at": (utcnow() - timedelta(minutes=1)).isoformat(),
        "answers": [
            {"item_id": item, "value": value, "declined": False}
            for item, value in (("C1", 3), ("CTRL", 6), ("S1", 4))
        ],
    }


def test_an_unknown_token_from_a_locked_address_waits(client):
    _lock_out(client)
    response = client.get("/api/v1/me", headers=bearer("svp_another-guess"))
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_attempts"
    assert int(response.headers["Retry-After"]) > 0


def test_her_token_still_works_from_a_locked_address(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    _lock_out(client)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.post("/api/v1/responses", headers=headers, json=_checkin()).status_code == 201


def test_a_research_token_still_works_from_a_locked_address(client, session):
    token = make_research_token(session, make_study(session))
    _lock_out(client)
    assert client.get("/api/research/v1/studies", headers=bearer(token)).status_code == 200
    response = client.get("/api/research/v1/studies", headers=bearer("svr_guess"))
    assert response.status_code == 429


def test_an_unknown_research_token_from_a_locked_address_waits_too(client):
    _lock_out(client)
    response = client.get("/api/research/v1/studies", headers=bearer("svr_guess"))
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_guesses_sharing_a_prefix_are_locked_across_addresses(app, client):
    for i in range(LIMIT):
        guesser = TestClient(app, client=(f"198.51.100.{i}", 40000))
        response = guesser.get("/api/v1/me", headers=bearer(f"svp_SAMEpref-{i}"))
        assert response.status_code == 401
    elsewhere = TestClient(app, client=("203.0.113.9", 40000))
    assert elsewhere.get("/api/v1/me", headers=bearer("svp_SAMEpref-new")).status_code == 429
    assert elsewhere.get("/api/v1/me", headers=bearer("svp_OTHERpre-new")).status_code == 401


def test_code_guesses_sharing_a_prefix_are_locked_across_addresses(app, client, session):
    settings: Settings = app.state.settings
    good = make_code(session, settings, make_study(session))
    for i in range(settings.enrollment_max_failures):
        guesser = TestClient(app, client=(f"198.51.100.{i}", 40000))
        body = {
            "code": f"{good[:4]}-ZZZ{i}",
            "timezone": "UTC",
            "language": "en",
            "consent_version": 1,
        }
        assert guesser.post("/api/v1/enroll", json=body).status_code in (404, 422)
    elsewhere = TestClient(app, client=("203.0.113.9", 40000))
    body = {"code": f"{good[:4]}-ZZZZ", "timezone": "UTC", "language": "en", "consent_version": 1}
    assert elsewhere.post("/api/v1/enroll", json=body).status_code == 429
