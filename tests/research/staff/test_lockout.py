"""Failed passwords and codes: a wait per account and per client, then a lock an admin lifts."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from savor.errors import AppError
from savor.ratelimit import FailureLimiter
from savor.research.models import AuditEvent
from savor.research.staff import sessions
from savor.research.staff.models import SignIn
from savor.research.staff.roles import StaffRole
from tests.factories import make_study
from tests.research.staff.helpers import BASE, PASSWORD, add_staff, sign_in


def _wrong(client, email: str = "ana@site.example.org"):
    return client.post(f"{BASE}/session", json={"email": email, "password": "not her password"})


def test_too_many_wrong_passwords_make_her_wait_with_retry_after(client, session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    for _ in range(5):
        assert _wrong(client).json()["error"]["code"] == "invalid_credentials"
    body = {"email": person.email, "password": PASSWORD, "totp_code": person.code()}
    response = client.post(f"{BASE}/session", json=body)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Please wait" in response.json()["error"]["message"]


def test_one_client_guessing_many_accounts_is_made_to_wait(client, session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    for n in range(5):
        _wrong(client, f"nobody{n}@site.example.org")
    body = {"email": person.email, "password": PASSWORD, "totp_code": person.code()}
    assert client.post(f"{BASE}/session", json=body).status_code == 429


def test_wrong_codes_count_as_failures_too(client, session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    body = {"email": person.email, "password": PASSWORD, "totp_code": "000000"}
    for _ in range(5):
        client.post(f"{BASE}/session", json=body)
    assert client.post(f"{BASE}/session", json=body).status_code == 429


def _fail_many(session, person, times: int, start: datetime) -> None:
    """Wrong passwords spread over hours, so the short wait never stops them."""
    limiter = FailureLimiter(max_failures=5, window=timedelta(minutes=15))
    body = SignIn(email=person.email, password="not her password")
    for n in range(times):
        with pytest.raises(AppError):
            sessions.sign_in(
                session=session,
                body=body,
                client="c",
                limiter=limiter,
                pepper=b"a server secret of the tests, long enough",
                now=start + timedelta(hours=n),
            )


def test_ten_failures_lock_the_account_until_an_admin_unlocks_it(client, session):
    study = make_study(session)
    person = add_staff(session, study, StaffRole.COORDINATOR)
    admin = add_staff(session, study, StaffRole.ADMIN, "admin@site.example.org")
    _fail_many(session, person, sessions.LOCK_AFTER, datetime.now(UTC) - timedelta(days=1))
    body = {"email": person.email, "password": PASSWORD, "totp_code": person.code()}
    locked = client.post(f"{BASE}/session", json=body)
    assert locked.status_code == 403
    assert locked.json()["error"]["code"] == "account_locked"

    csrf = sign_in(client, admin)
    unlock = client.post(f"{BASE}/studies/pilot/staff/{person.account.id}/unlock", headers=csrf)
    assert unlock.status_code == 200 and unlock.json()["locked"] is False
    client.cookies.clear()
    assert client.post(f"{BASE}/session", json=body).status_code == 200
    actions = [
        (e.actor, e.action) for e in session.exec(select(AuditEvent).order_by(AuditEvent.at))
    ]
    assert ("staff:ana@site.example.org", "staff.locked") in actions
    assert ("staff:admin@site.example.org", "staff.unlock") in actions


def test_a_locked_account_loses_its_open_sessions(client, session):
    study = make_study(session)
    person = add_staff(session, study, StaffRole.INVESTIGATOR)
    sign_in(client, person)
    person.account.locked_at = datetime.now(UTC)
    session.add(person.account)
    session.commit()
    response = client.get(f"{BASE}/studies/pilot")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"


def test_only_an_admin_unlocks(client, session):
    study = make_study(session)
    person = add_staff(session, study, StaffRole.COORDINATOR)
    investigator = add_staff(session, study, StaffRole.INVESTIGATOR, "inv@site.example.org")
    csrf = sign_in(client, investigator)
    response = client.post(f"{BASE}/studies/pilot/staff/{person.account.id}/unlock", headers=csrf)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "admin_only"
