"""Every research route refuses a token of another study, a token without its scope, a
participant token and a revoked token; the matrix must cover every research route there is."""

import uuid

import pytest

from savor.clock import utcnow
from savor.research import service as research_service
from savor.research.access import TokenScope
from savor.studies import service as studies_service
from tests.factories import bearer, enroll, make_code, make_research_token, make_study

BASE = "/api/research/v1"
ALERT = uuid.UUID(int=1)
PROTOCOL = studies_service.protocol_source_for(slug="pilot", name="Pilot study")

# (method, path as routed, path to call, scope, request body)
ROUTES = [
    ("GET", "/studies", "/studies", TokenScope.STUDIES_READ, None),
    ("GET", "/studies/{slug}", "/studies/pilot", TokenScope.STUDIES_READ, None),
    (
        "PUT",
        "/studies/{slug}/protocol",
        "/studies/pilot/protocol",
        TokenScope.PROTOCOL_WRITE,
        PROTOCOL,
    ),
    (
        "POST",
        "/studies/{slug}/enrollment-codes",
        "/studies/pilot/enrollment-codes",
        TokenScope.CODES_WRITE,
        {"count": 1},
    ),
    (
        "GET",
        "/studies/{slug}/participants",
        "/studies/pilot/participants",
        TokenScope.PARTICIPANTS_READ,
        None,
    ),
    (
        "DELETE",
        "/studies/{slug}/participants/{pseudonym}",
        "/studies/pilot/participants/PAAAAAAAAAA",
        TokenScope.PARTICIPANTS_DELETE,
        None,
    ),
    (
        "GET",
        "/studies/{slug}/compliance",
        "/studies/pilot/compliance",
        TokenScope.PARTICIPANTS_READ,
        None,
    ),
    ("GET", "/studies/{slug}/audit", "/studies/pilot/audit", TokenScope.AUDIT_READ, None),
    ("GET", "/studies/{slug}/codebook", "/studies/pilot/codebook", TokenScope.STUDIES_READ, None),
    ("GET", "/studies/{slug}/protocols", "/studies/pilot/protocols", TokenScope.STUDIES_READ, None),
    ("GET", "/studies/{slug}/catalog", "/studies/pilot/catalog", TokenScope.STUDIES_READ, None),
    (
        "GET",
        "/studies/{slug}/export/{dataset}",
        "/studies/pilot/export/responses",
        TokenScope.EXPORT_READ,
        None,
    ),
    ("GET", "/studies/{slug}/alerts", "/studies/pilot/alerts", TokenScope.ALERTS_MANAGE, None),
    (
        "POST",
        "/studies/{slug}/alerts/{alert_id}/acknowledge",
        f"/studies/pilot/alerts/{ALERT}/acknowledge",
        TokenScope.ALERTS_MANAGE,
        None,
    ),
    (
        "PUT",
        "/studies/{slug}/webhook",
        "/studies/pilot/webhook",
        TokenScope.ALERTS_MANAGE,
        {"url": "https://alerts.example.org/hook"},
    ),
    ("GET", "/studies/{slug}/webhook", "/studies/pilot/webhook", TokenScope.ALERTS_MANAGE, None),
    ("DELETE", "/studies/{slug}/webhook", "/studies/pilot/webhook", TokenScope.ALERTS_MANAGE, None),
    ("GET", "/studies/{slug}/today", "/studies/pilot/today", TokenScope.PARTICIPANTS_READ, None),
    ("GET", "/studies/{slug}/roster", "/studies/pilot/roster", TokenScope.PARTICIPANTS_READ, None),
    (
        "GET",
        "/studies/{slug}/participants/{pseudonym}",
        "/studies/pilot/participants/PAAAAAAAAAA",
        TokenScope.PARTICIPANTS_READ,
        None,
    ),
    (
        "GET",
        "/studies/{slug}/compliance/trends",
        "/studies/pilot/compliance/trends",
        TokenScope.PARTICIPANTS_READ,
        None,
    ),
    ("GET", "/studies/{slug}/protocol", "/studies/pilot/protocol", TokenScope.STUDIES_READ, None),
    (
        "POST",
        "/studies/{slug}/protocol/check",
        "/studies/pilot/protocol/check",
        TokenScope.PROTOCOL_WRITE,
        PROTOCOL,
    ),
    (
        "GET",
        "/studies/{slug}/exports/last",
        "/studies/pilot/exports/last",
        TokenScope.EXPORT_READ,
        None,
    ),
]
IDS = [f"{method} {routed}" for method, routed, *_ in ROUTES]


def _call(client, method: str, path: str, token: str, body):
    kwargs: dict = {"headers": bearer(token)}
    if isinstance(body, str):
        kwargs["content"] = body.encode()
        kwargs["headers"]["Content-Type"] = "application/yaml"
    elif body is not None:
        kwargs["json"] = body
    return client.request(method, BASE + path, **kwargs)


def test_the_matrix_covers_every_research_route(client):
    # Every route that takes a research token; staff sign-in and team routes take only a
    # person's session (tests/research/staff/test_role_routes.py covers every route).
    routed = {
        (method.upper(), path.removeprefix(BASE))
        for path, operations in client.app.openapi()["paths"].items()
        if path.startswith(BASE)
        for method, operation in operations.items()
        if {"research": []} in operation.get("security", [])
    }
    assert routed == {(method, path) for method, path, *_ in ROUTES}


@pytest.mark.parametrize(("method", "routed", "path", "scope", "body"), ROUTES, ids=IDS)
def test_a_token_of_another_study_gets_nothing(client, session, method, routed, path, scope, body):
    make_study(session, slug="pilot")
    other = make_research_token(session, make_study(session, slug="other-site"), list(TokenScope))
    response = _call(client, method, path, other, body)
    if routed == "/studies":
        assert [s["slug"] for s in response.json()] == ["other-site"]
        return
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_study"


@pytest.mark.parametrize(("method", "routed", "path", "scope", "body"), ROUTES, ids=IDS)
def test_a_token_without_the_scope_is_refused(client, session, method, routed, path, scope, body):
    lacking = make_research_token(
        session, make_study(session), [s for s in TokenScope if s != scope]
    )
    response = _call(client, method, path, lacking, body)
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "missing_scope",
        "message": f"This token lacks the '{scope.value}' scope.",
    }


@pytest.mark.parametrize(("method", "routed", "path", "scope", "body"), ROUTES, ids=IDS)
def test_a_participant_token_is_refused(
    client, session, settings, method, routed, path, scope, body
):
    participant_token = enroll(client, make_code(session, settings, make_study(session)))
    response = _call(client, method, path, participant_token, body)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


@pytest.mark.parametrize(("method", "routed", "path", "scope", "body"), ROUTES, ids=IDS)
def test_a_revoked_token_is_refused(client, session, method, routed, path, scope, body):
    token = make_research_token(session, make_study(session), list(TokenScope))
    stored = research_service.find_research_token(session=session, token_or_id=token)
    assert stored is not None
    research_service.revoke_research_token(session=session, token=stored, now=utcnow())
    response = _call(client, method, path, token, body)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_revoked"


@pytest.mark.parametrize(("method", "routed", "path", "scope", "body"), ROUTES, ids=IDS)
def test_no_token_at_all_is_refused(client, session, method, routed, path, scope, body):
    make_study(session)
    response = client.request(method, BASE + path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
