"""Refused research calls leave an audit event on the study they concern, never the token."""

import logging

from sqlmodel import Session, select

from savor.clock import utcnow
from savor.research import service as research_service
from savor.research.access import TokenScope
from savor.research.models import AuditEvent
from savor.studies.models import Study
from tests.factories import bearer, make_research_token, make_study


def _refusals(engine) -> list[tuple[str, str, dict]]:
    """(study slug, actor, detail) of each refusal, read apart from the request's session."""
    with Session(engine) as session:
        rows = session.exec(
            select(Study.slug, AuditEvent)
            .join(Study)
            .where(AuditEvent.action == "access.refused")
            .order_by(Study.slug)
        ).all()
        return [(slug, event.actor, event.detail) for slug, event in rows]


def test_a_missing_scope_is_audited_on_the_tokens_study(client, engine, session):
    study = make_study(session)
    token = make_research_token(session, study, scopes=[TokenScope.EXPORT_READ], label="r-script")
    response = client.get("/api/research/v1/studies/pilot", headers=bearer(token))
    assert response.status_code == 403
    assert _refusals(engine) == [
        (
            "pilot",
            "token:r-script",
            {"reason": "missing_scope", "path": "/api/research/v1/studies/pilot", "method": "GET"},
        )
    ]


def test_a_revoked_token_is_audited_on_its_study(client, engine, session):
    study = make_study(session)
    token = make_research_token(session, study, label="old")
    found = research_service.find_research_token(session=session, token_or_id=token)
    assert found is not None
    research_service.revoke_research_token(session=session, token=found, now=utcnow())
    assert client.get("/api/research/v1/studies", headers=bearer(token)).status_code == 401
    [(slug, actor, detail)] = _refusals(engine)
    assert (slug, actor, detail["reason"]) == ("pilot", "token:old", "token_revoked")


def test_a_wrong_study_is_audited_on_both_studies(client, engine, session):
    make_study(session, slug="pilot")
    token = make_research_token(session, make_study(session, slug="other"), label="nosy")
    path = "/api/research/v1/studies/pilot/participants"
    assert client.get(path, headers=bearer(token)).status_code == 403
    detail = {"reason": "wrong_study", "path": path, "method": "GET"}
    assert _refusals(engine) == [
        ("other", "token:nosy", detail),
        ("pilot", "token-of-another-study", detail),
    ]


def test_an_unknown_token_is_audited_on_the_study_it_names(client, engine, session):
    make_study(session)
    token = "svr_not-a-real-token"
    path = "/api/research/v1/studies/pilot/export/responses"
    assert client.get(path, headers=bearer(token)).status_code == 401
    assert _refusals(engine) == [
        ("pilot", "unknown-token", {"reason": "invalid_token", "path": path, "method": "GET"})
    ]
    with Session(engine) as fresh:
        stored = " ".join(str(e.model_dump()) for e in fresh.exec(select(AuditEvent)))
    assert "not-a-real-token" not in stored


def test_an_unknown_token_naming_no_study_is_logged_without_the_address(client, engine, caplog):
    with caplog.at_level(logging.WARNING, logger="savor.research.service"):
        response = client.get("/api/research/v1/studies/nowhere", headers=bearer("svr_guess"))
    assert response.status_code == 401
    assert _refusals(engine) == []
    [line] = [r.getMessage() for r in caplog.records if r.name == "savor.research.service"]
    assert "invalid_token" in line and "/api/research/v1/studies/nowhere" in line
    assert "testclient" not in line and "svr_guess" not in line
