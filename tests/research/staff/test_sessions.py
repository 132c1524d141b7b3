"""Sessions expire after 8 idle hours and 24 in all, end on sign-out, and need CSRF to change."""

from datetime import timedelta

import pytest
from sqlmodel import select

from savor.clock import utcnow
from savor.errors import AppError
from savor.research.staff import sessions
from savor.research.staff.models import StaffSession
from savor.research.staff.roles import StaffRole
from savor.studies import service as studies_service
from tests.factories import make_study
from tests.research.staff.helpers import BASE, add_staff, sign_in

PROTOCOL = studies_service.protocol_source_for(slug="pilot", name="Pilot study, v2")


def _opened(client, session):
    person = add_staff(session, make_study(session), StaffRole.ADMIN)
    sign_in(client, person)
    return client.cookies.get("savor_session")


def test_a_session_idle_for_eight_hours_has_ended(client, session):
    cookie = _opened(client, session)
    now = utcnow()
    sessions.current(session=session, cookie=cookie, now=now + timedelta(hours=7, minutes=59))
    with pytest.raises(AppError) as ended:
        sessions.current(session=session, cookie=cookie, now=now + timedelta(hours=16))
    assert ended.value.code == "session_expired"


def test_a_busy_session_still_ends_after_twenty_four_hours(client, session):
    cookie = _opened(client, session)
    now = utcnow()
    for hours in range(4, 24, 4):
        sessions.current(session=session, cookie=cookie, now=now + timedelta(hours=hours))
    with pytest.raises(AppError):
        sessions.current(session=session, cookie=cookie, now=now + timedelta(hours=24))


def test_an_expired_session_is_refused_at_the_research_api(client, session):
    _opened(client, session)
    row = session.exec(select(StaffSession)).one()
    row.created_at = row.last_seen_at = utcnow() - timedelta(hours=9)
    session.add(row)
    session.commit()
    response = client.get(f"{BASE}/studies/pilot")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"


def test_sign_out_ends_the_session(client, session):
    _opened(client, session)
    csrf = {"X-CSRF-Token": client.cookies.get("savor_csrf")}
    assert client.delete(f"{BASE}/session", headers=csrf).status_code == 204
    assert client.get(f"{BASE}/session").status_code == 401


def test_sign_out_everywhere_ends_every_device(app, client, session):
    from fastapi.testclient import TestClient

    person = add_staff(session, make_study(session), StaffRole.ADMIN)
    other = TestClient(app)
    sign_in(other, person)
    csrf = sign_in(client, person)
    assert client.delete(f"{BASE}/sessions", headers=csrf).status_code == 204
    assert other.get(f"{BASE}/session").status_code == 401
    other.close()


def test_a_change_with_the_cookie_and_no_csrf_token_is_refused(client, session):
    _opened(client, session)
    put = {"content": PROTOCOL.encode(), "headers": {"Content-Type": "application/yaml"}}
    response = client.put(f"{BASE}/studies/pilot/protocol", **put)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    wrong = {**put["headers"], "X-CSRF-Token": "svc_guessed"}
    assert (
        client.put(
            f"{BASE}/studies/pilot/protocol", content=put["content"], headers=wrong
        ).status_code
        == 403
    )


def test_a_change_with_the_csrf_token_goes_through(client, session):
    _opened(client, session)
    headers = {"Content-Type": "application/yaml", "X-CSRF-Token": client.cookies.get("savor_csrf")}
    response = client.put(
        f"{BASE}/studies/pilot/protocol", content=PROTOCOL.encode(), headers=headers
    )
    assert response.status_code == 200
    assert response.json()["protocol_version"] == 2


def test_staff_routes_need_the_csrf_token_too(client, session):
    _opened(client, session)
    response = client.post(f"{BASE}/studies/pilot/tokens", json={"label": "r"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


def test_reads_need_no_csrf_token(client, session):
    _opened(client, session)
    assert client.get(f"{BASE}/studies/pilot").status_code == 200
