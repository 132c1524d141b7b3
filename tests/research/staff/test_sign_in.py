"""Signing in: password then a TOTP or recovery code, the session cookie, and setup links."""

from datetime import UTC, datetime, timedelta

import pytest

from savor.errors import AppError
from savor.ratelimit import FailureLimiter
from savor.research.staff import service as staff_service
from savor.research.staff import sessions, totp
from savor.research.staff.models import SignIn
from savor.research.staff.roles import StaffRole
from tests.factories import make_study
from tests.research.staff.helpers import BASE, PASSWORD, RFC_SECRET, add_staff, sign_in

FROZEN = datetime.fromtimestamp(1111111109, UTC)
PEPPER = b"a server secret of the tests, long enough"


def _limiter() -> FailureLimiter:
    return FailureLimiter(max_failures=5, window=timedelta(minutes=15))


def test_sign_in_with_the_app_code_at_a_frozen_clock(session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    person.account.totp_secret = RFC_SECRET
    body = SignIn(email=person.email, password=PASSWORD, totp_code="081804")
    opened = sessions.sign_in(
        session=session,
        body=body,
        client="198.51.100.7",
        limiter=_limiter(),
        pepper=PEPPER,
        now=FROZEN,
    )
    assert opened.row.two_factor
    assert opened.cookie.startswith("svs_") and opened.row.token_hash != opened.cookie


def test_the_code_of_another_moment_is_refused(session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    person.account.totp_secret = RFC_SECRET
    body = SignIn(email=person.email, password=PASSWORD, totp_code="287082")  # T=59's code
    with pytest.raises(AppError) as refused:
        sessions.sign_in(
            session=session, body=body, client="c", limiter=_limiter(), pepper=PEPPER, now=FROZEN
        )
    assert refused.value.code == "invalid_code"


def test_a_code_opens_one_session_only(session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    person.account.totp_secret = RFC_SECRET
    body = SignIn(email=person.email, password=PASSWORD, totp_code="081804")
    sessions.sign_in(
        session=session, body=body, client="c", limiter=_limiter(), pepper=PEPPER, now=FROZEN
    )
    session.commit()
    with pytest.raises(AppError) as refused:
        sessions.sign_in(
            session=session, body=body, client="c", limiter=_limiter(), pepper=PEPPER, now=FROZEN
        )
    assert refused.value.code == "invalid_code"
    assert "each code works once" in refused.value.message


def test_a_code_older_than_the_last_used_one_is_refused(session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    person.account.totp_secret = RFC_SECRET
    later = totp.code_at(RFC_SECRET, FROZEN + timedelta(seconds=30))
    body = SignIn(email=person.email, password=PASSWORD, totp_code=later)
    sessions.sign_in(
        session=session, body=body, client="c", limiter=_limiter(), pepper=PEPPER, now=FROZEN
    )
    session.commit()
    earlier = body.model_copy(update={"totp_code": "081804"})
    with pytest.raises(AppError):
        sessions.sign_in(
            session=session, body=earlier, client="c", limiter=_limiter(), pepper=PEPPER, now=FROZEN
        )


def test_the_next_code_opens_a_second_session(session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    person.account.totp_secret = RFC_SECRET
    body = SignIn(email=person.email, password=PASSWORD, totp_code="081804")
    sessions.sign_in(
        session=session, body=body, client="c", limiter=_limiter(), pepper=PEPPER, now=FROZEN
    )
    session.commit()
    following = totp.code_at(RFC_SECRET, FROZEN + timedelta(seconds=30))
    body = body.model_copy(update={"totp_code": following})
    later = FROZEN + timedelta(seconds=20)
    assert sessions.sign_in(
        session=session, body=body, client="c", limiter=_limiter(), pepper=PEPPER, now=later
    )


def test_sign_in_sets_a_strict_http_only_cookie_and_a_csrf_token(client, session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    response = client.post(
        f"{BASE}/session",
        json={"email": person.email, "password": PASSWORD, "totp_code": person.code()},
    )
    assert response.status_code == 200
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("savor_session="))
    assert "HttpOnly" in session_cookie and "SameSite=strict" in session_cookie
    assert "Path=/api/research/v1" in session_cookie and "Secure" not in session_cookie
    csrf_cookie = next(c for c in cookies if c.startswith("savor_csrf="))
    assert "HttpOnly" not in csrf_cookie
    assert response.json()["csrf_token"] in csrf_cookie
    assert client.get(f"{BASE}/session").json()["email"] == person.email


def test_the_cookie_is_secure_over_https(client, session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    body = {"email": person.email, "password": PASSWORD, "totp_code": person.code()}
    response = client.post(f"https://testserver{BASE}/session", json=body)
    session_cookie = response.headers.get_list("set-cookie")[0]
    assert "Secure" in session_cookie


def test_a_new_sign_in_rotates_the_session(client, session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    sign_in(client, person)
    first = client.cookies.get("savor_session")
    sign_in(client, person)
    assert client.cookies.get("savor_session") != first
    client.cookies.clear()
    client.cookies.set("savor_session", first)
    response = client.get(f"{BASE}/session")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"


def test_the_password_alone_asks_for_the_code(client, session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    response = client.post(f"{BASE}/session", json={"email": person.email, "password": PASSWORD})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "code_needed"


def test_a_recovery_code_works_once(client, session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    codes = staff_service.replace_recovery_codes(session=session, account=person.account)
    session.commit()
    body = {"email": person.email, "password": PASSWORD, "recovery_code": codes[3].lower()}
    assert client.post(f"{BASE}/session", json=body).status_code == 200
    again = client.post(f"{BASE}/session", json=body)
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "invalid_code"


def test_a_study_requiring_two_factor_refuses_a_password_only_account(client, session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR, two_factor=False)
    response = client.post(f"{BASE}/session", json={"email": person.email, "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "two_factor_setup_needed"


def test_a_study_that_makes_two_factor_optional_lets_the_password_do(client, session):
    study = make_study(session)
    study.staff_two_factor = False
    person = add_staff(session, study, StaffRole.INVESTIGATOR, two_factor=False)
    response = client.post(f"{BASE}/session", json={"email": person.email, "password": PASSWORD})
    assert response.status_code == 200
    assert client.get(f"{BASE}/studies/pilot").status_code == 200


def test_new_studies_require_two_factor(session):
    assert make_study(session).staff_two_factor is True


def _invited(session, settings):
    study = make_study(session)
    account, token = staff_service.invite(
        session=session,
        email="Bo@Site.example.org",
        display_name="Bo",
        study=study,
        role=StaffRole.COORDINATOR,
        by="test",
        now=datetime.now(UTC),
    )
    session.commit()
    return account, token


def test_the_setup_link_enrolls_the_app_and_returns_recovery_codes_once(client, session, settings):
    _, token = _invited(session, settings)
    offer = client.post(f"{BASE}/staff/setup/offer", json={"token": token}).json()
    assert offer["email"] == "bo@site.example.org" and offer["two_factor_required"]
    assert offer["qr_svg"].startswith("<svg") and offer["totp_secret"] in offer["otpauth_uri"]
    code = totp.code_at(offer["totp_secret"], datetime.now(UTC))
    body = {"token": token, "password": PASSWORD, "totp_code": code}
    done = client.post(f"{BASE}/staff/setup", json=body)
    assert done.status_code == 200
    assert len(done.json()["recovery_codes"]) == totp.RECOVERY_CODES
    again = client.post(f"{BASE}/staff/setup", json=body)
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "setup_link_invalid"
    signed = {"email": "bo@site.example.org", "password": PASSWORD, "totp_code": code}
    assert client.post(f"{BASE}/session", json=signed).status_code == 401  # spent at setup
    following = totp.code_at(offer["totp_secret"], datetime.now(UTC) + timedelta(seconds=30))
    signed["totp_code"] = following
    assert client.post(f"{BASE}/session", json=signed).status_code == 200


def test_setup_without_the_app_is_refused_where_two_factor_is_required(client, session, settings):
    _, token = _invited(session, settings)
    response = client.post(f"{BASE}/staff/setup", json={"token": token, "password": PASSWORD})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "two_factor_required"


def test_setup_refuses_a_short_password(client, session, settings):
    _, token = _invited(session, settings)
    response = client.post(f"{BASE}/staff/setup", json={"token": token, "password": "short"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "weak_password"


def test_an_email_no_account_could_have_is_a_plain_refusal(client, session):
    body = {"email": "ana\x00@site.example.org", "password": PASSWORD}
    response = client.post(f"{BASE}/session", json=body)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"
