"""Every participant route, from the OpenAPI document: no token, a research token, another
mother's records. New routes are covered as soon as they exist."""

import tempfile
import uuid

import pytest
from fastapi.testclient import TestClient

from savor.clock import utcnow
from savor.config import Settings
from savor.main import create_app
from tests.conftest import TEST_SECRET
from tests.factories import (
    bearer,
    make_participant,
    make_research_token,
    make_study,
    prompts_of,
)

# Routes anyone may call: joining, the push key, and study recordings for the offline cache.
PUBLIC = {
    "/api/v1/enroll",
    "/api/v1/enroll/consent",
    "/api/v1/push/public-key",
    "/api/v1/audio/{study}/{file}",
}


def _participant_operations() -> list[tuple[str, str]]:
    # Read at collection, in every test worker at once: a data directory of its own each.
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            secret_key=TEST_SECRET, scheduler_enabled=False, data_dir=data_dir, _env_file=None
        )
        paths = create_app(settings).openapi()["paths"]
    return sorted(
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/api/v1/") and path not in PUBLIC
        for method in operations
    )


OPERATIONS = _participant_operations()


def _url(path: str) -> str:
    return (
        path.replace("{practice_id}", "P01")
        .replace("{prompt_id}", str(uuid.uuid4()))
        .replace("{offer_id}", str(uuid.uuid4()))
        .replace("{instrument_id}", "momentary")
    )


def test_the_matrix_covers_the_participant_api():
    assert len(OPERATIONS) >= 15
    assert ("POST", "/api/v1/responses") in OPERATIONS


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_without_a_token_nothing_is_answered(client: TestClient, method: str, path: str):
    response = client.request(method, _url(path), json={})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_research_token_is_not_a_participant_token(client, session, method: str, path: str):
    token = make_research_token(session, make_study(session))
    response = client.request(method, _url(path), json={}, headers=bearer(token))
    assert response.status_code == 401


def test_one_mother_cannot_open_anothers_prompt(client, session, settings):
    _, first = make_participant(client, session, settings)
    other, _ = make_participant(client, session, settings)
    prompt = prompts_of(session, first)[0]
    response = client.post(f"/api/v1/prompts/{prompt.id}/opened", headers=other)
    assert response.status_code == 404
    assert prompts_of(session, first)[0].opened_at is None


def test_one_mother_cannot_answer_anothers_prompt(client, session, settings):
    _, first = make_participant(client, session, settings)
    other, _ = make_participant(client, session, settings)
    prompt = prompts_of(session, first)[0]
    body = {
        "client_id": str(uuid.uuid4()),
        "prompt_id": str(prompt.id),
        "instrument_id": prompt.instrument_id,
        "instrument_version": "1",
        "submitted_at": utcnow().isoformat(),
        "answers": [],
    }
    assert client.post("/api/v1/responses", headers=other, json=body).status_code == 404


def test_one_mother_cannot_decide_anothers_offer(client, session, settings):
    first, _ = make_participant(client, session, settings)
    other, _ = make_participant(client, session, settings)
    body = {
        "client_id": str(uuid.uuid4()),
        "instrument_id": "hard_moment",
        "instrument_version": "1",
        "submitted_at": utcnow().isoformat(),
        "answers": [{"item_id": "C1", "value": 8}],
    }
    offer = client.post("/api/v1/responses", headers=first, json=body).json()["offers"][0]
    response = client.post(
        f"/api/v1/offers/{offer['id']}", headers=other, json={"outcome": "declined"}
    )
    assert response.status_code == 404
