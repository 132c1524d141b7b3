"""A study always keeps an admin: the last one cannot be demoted, removed or locked."""

import pytest

from savor.research.staff.roles import StaffRole
from tests.factories import make_study
from tests.research.staff.helpers import BASE, add_staff, sign_in

CHANGES = [
    ("put", "/role", {"json": {"role": "coordinator"}}),
    ("delete", "", {}),
    ("post", "/lock", {}),
]


@pytest.mark.parametrize(("method", "suffix", "body"), CHANGES, ids=["demote", "remove", "lock"])
def test_the_only_admin_cannot_lose_her_role_or_be_locked(client, session, method, suffix, body):
    admin = add_staff(session, make_study(session), StaffRole.ADMIN)
    csrf = sign_in(client, admin)
    url = f"{BASE}/studies/pilot/staff/{admin.account.id}{suffix}"
    response = getattr(client, method)(url, headers=csrf, **body)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "last_admin"
    team = client.get(f"{BASE}/studies/pilot/staff", headers=csrf).json()
    assert [(p["email"], p["locked"]) for p in team] == [(admin.email, False)]


def test_an_admin_steps_down_once_another_admin_is_there(client, session):
    study = make_study(session)
    admin = add_staff(session, study, StaffRole.ADMIN)
    add_staff(session, study, StaffRole.ADMIN, "bo@site.example.org")
    csrf = sign_in(client, admin)
    url = f"{BASE}/studies/pilot/staff/{admin.account.id}/role"
    response = client.put(url, headers=csrf, json={"role": "investigator"})
    assert response.status_code == 200


def test_a_locked_admin_does_not_count_as_the_one_left(client, session):
    study = make_study(session)
    admin = add_staff(session, study, StaffRole.ADMIN)
    other = add_staff(session, study, StaffRole.ADMIN, "bo@site.example.org")
    csrf = sign_in(client, admin)
    locked = client.post(f"{BASE}/studies/pilot/staff/{other.account.id}/lock", headers=csrf)
    assert locked.status_code == 200
    url = f"{BASE}/studies/pilot/staff/{admin.account.id}"
    assert client.delete(url, headers=csrf).json()["error"]["code"] == "last_admin"
