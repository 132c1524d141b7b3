"""Research tokens: study-bound, scoped, revocable, and every read audited."""

from sqlmodel import select

from savor.clock import utcnow
from savor.research import service as research_service
from savor.research.access import TokenScope
from savor.research.models import AuditEvent
from tests.factories import bearer, enroll, make_code, make_research_token, make_study


def test_token_lists_its_own_study_with_counts(client, session, settings):
    study = make_study(session)
    enroll(client, make_code(session, settings, study))
    token = make_research_token(session, study)
    response = client.get("/api/research/v1/studies", headers=bearer(token))
    assert response.status_code == 200
    assert [(s["slug"], s["participants"]) for s in response.json()] == [("pilot", 1)]


def test_every_read_is_audited(client, session):
    study = make_study(session)
    token = make_research_token(session, study, label="r-script")
    client.get("/api/research/v1/studies/pilot", headers=bearer(token))
    events = session.exec(select(AuditEvent)).all()
    assert [(e.action, e.actor) for e in events] == [("studies.read", "token:r-script")]


def test_token_of_another_study_is_refused(client, session):
    make_study(session, slug="pilot")
    other = make_study(session, slug="other-site")
    token = make_research_token(session, other)
    response = client.get("/api/research/v1/studies/pilot", headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_study"


def test_revoked_token_is_refused(client, session):
    study = make_study(session)
    token = make_research_token(session, study)
    found = research_service.find_research_token(session=session, token_or_id=token)
    assert found is not None
    research_service.revoke_research_token(session=session, token=found, now=utcnow())
    response = client.get("/api/research/v1/studies", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_revoked"


def test_token_without_the_scope_is_refused(client, session):
    study = make_study(session)
    token = make_research_token(session, study, scopes=[TokenScope.EXPORT_READ])
    response = client.get("/api/research/v1/studies/pilot", headers=bearer(token))
    assert response.status_code == 403
    assert "studies:read" in response.json()["error"]["message"]


def test_participant_token_opens_no_research_door(client, session, settings):
    participant_token = enroll(client, make_code(session, settings, make_study(session)))
    response = client.get("/api/research/v1/studies", headers=bearer(participant_token))
    assert response.status_code == 401


def test_research_token_opens_no_participant_door(client, session):
    token = make_research_token(session, make_study(session))
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_tokens_are_stored_only_as_hashes(session):
    token = make_research_token(session, make_study(session))
    stored = research_service.find_research_token(session=session, token_or_id=token)
    assert stored is not None
    assert token not in stored.token_hash
    assert len(stored.token_hash) == 64
