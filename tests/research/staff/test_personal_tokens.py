"""Tokens a person makes for her scripts: her scopes or fewer, expiring, audited as hers."""

from datetime import timedelta

from sqlmodel import select

from savor.clock import utcnow
from savor.research.models import AuditEvent, ResearchToken
from savor.research.staff.roles import StaffRole
from tests.factories import bearer, make_research_token, make_study
from tests.research.staff.helpers import BASE, add_staff, sign_in


def _make(client, csrf, **body):
    return client.post(
        f"{BASE}/studies/pilot/tokens", json={"label": "r-script", **body}, headers=csrf
    )


def test_her_token_carries_her_role_scopes_and_an_expiry(client, session):
    person = add_staff(session, make_study(session), StaffRole.DATA_MANAGER)
    made = _make(client, sign_in(client, person), expires_in_days=30)
    assert made.status_code == 201
    assert made.json()["scopes"] == ["export:read", "studies:read"]
    assert made.json()["token"].startswith("svr_")
    assert made.json()["expires_at"] is not None


def test_her_token_is_audited_with_her_name_behind_it(client, session):
    person = add_staff(session, make_study(session), StaffRole.DATA_MANAGER)
    token = _make(client, sign_in(client, person)).json()["token"]
    client.cookies.clear()
    assert client.get(f"{BASE}/studies/pilot", headers=bearer(token)).status_code == 200
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "studies.read")).one()
    assert event.actor == "token:r-script (staff:ana@site.example.org)"
    assert event.detail["role"] == "data_manager"
    made = session.exec(select(AuditEvent).where(AuditEvent.action == "token.create")).one()
    assert made.actor == "staff:ana@site.example.org"


def test_a_token_may_carry_fewer_scopes_than_her_role(client, session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    token = _make(client, sign_in(client, person), scopes=["studies:read"]).json()["token"]
    client.cookies.clear()
    response = client.get(f"{BASE}/studies/pilot/audit", headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "missing_scope"


def test_a_token_beyond_her_role_is_refused(client, session):
    person = add_staff(session, make_study(session), StaffRole.COORDINATOR)
    response = _make(client, sign_in(client, person), scopes=["export:read"])
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "beyond_role"


def test_an_expired_token_gets_token_expired(client, session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    token = _make(client, sign_in(client, person)).json()["token"]
    row = session.exec(select(ResearchToken).where(ResearchToken.staff_id.is_not(None))).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()
    client.cookies.clear()
    response = client.get(f"{BASE}/studies/pilot", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


def test_her_token_stops_when_her_role_is_taken_away(client, session):
    study = make_study(session)
    person = add_staff(session, study, StaffRole.INVESTIGATOR)
    admin = add_staff(session, study, StaffRole.ADMIN, "admin@site.example.org")
    token = _make(client, sign_in(client, person)).json()["token"]
    csrf = sign_in(client, admin)
    removed = client.delete(f"{BASE}/studies/pilot/staff/{person.account.id}", headers=csrf)
    assert removed.status_code == 204
    client.cookies.clear()
    response = client.get(f"{BASE}/studies/pilot", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_revoked"


def test_command_line_tokens_keep_working_and_never_expire(client, session):
    study = make_study(session)
    token = make_research_token(session, study)
    assert client.get(f"{BASE}/studies/pilot", headers=bearer(token)).status_code == 200
    row = session.exec(select(ResearchToken)).one()
    assert row.staff_id is None and row.expires_at is None


def test_she_lists_and_revokes_her_own_tokens(client, session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    csrf = sign_in(client, person)
    made = _make(client, csrf).json()
    listed = client.get(f"{BASE}/studies/pilot/tokens").json()
    assert [t["id"] for t in listed] == [made["id"]] and listed[0]["token"] is None
    revoked = client.delete(f"{BASE}/studies/pilot/tokens/{made['id']}", headers=csrf)
    assert revoked.status_code == 204
    client.cookies.clear()
    gone = client.get(f"{BASE}/studies/pilot", headers=bearer(made["token"]))
    assert gone.json()["error"]["code"] == "token_revoked"


def test_a_label_with_control_characters_is_refused(client, session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    response = _make(client, sign_in(client, person), label="r\x00script")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_text"
