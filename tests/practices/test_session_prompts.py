"""A practice session done for a check-in names her own prompt, never another mother's."""

import uuid

from sqlalchemy import func
from sqlmodel import select

from savor.practices.models import PracticeSession
from tests.factories import make_participant, practice_body, prompts_of


def _prompted(prompt_id: uuid.UUID) -> dict:
    return practice_body(trigger="prompt", prompt_id=str(prompt_id))


def _sessions(session) -> int:
    return session.exec(select(func.count()).select_from(PracticeSession)).one()


def test_a_session_for_her_own_prompt_is_stored_with_it(client, session, settings):
    headers, her = make_participant(client, session, settings)
    prompt = prompts_of(session, her)[0]

    response = client.post("/api/v1/practice-sessions", headers=headers, json=_prompted(prompt.id))

    assert response.status_code == 201
    assert session.exec(select(PracticeSession)).one().prompt_id == prompt.id


def test_another_mothers_prompt_is_unknown_as_if_it_did_not_exist(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    _, other = make_participant(client, session, settings)
    theirs = prompts_of(session, other)[0]

    foreign = client.post("/api/v1/practice-sessions", headers=headers, json=_prompted(theirs.id))
    missing = client.post(
        "/api/v1/practice-sessions", headers=headers, json=_prompted(uuid.uuid4())
    )

    assert (foreign.status_code, missing.status_code) == (404, 404)
    assert foreign.json() == missing.json()
    assert foreign.json()["error"]["code"] == "unknown_prompt"
    # The same answer as for a check-in of hers that does not exist.
    opened = client.post(f"/api/v1/prompts/{theirs.id}/opened", headers=headers)
    assert opened.json() == foreign.json()
    assert _sessions(session) == 0
