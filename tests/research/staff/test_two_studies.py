"""A person with roles in two studies never sees one study's data through the other."""

from sqlmodel import select

from savor.research.models import AuditEvent
from savor.research.staff.roles import StaffRole
from tests.factories import bearer, enroll, make_code, make_study
from tests.research.staff.helpers import BASE, add_staff, sign_in


def _two_studies(client, session, settings):
    site_a = make_study(session, slug="site-a")
    site_b = make_study(session, slug="site-b")
    for study in (site_a, site_b, site_b):
        enroll(client, make_code(session, settings, study))
    person = add_staff(session, site_a, StaffRole.COORDINATOR)
    add_staff(session, site_b, StaffRole.INVESTIGATOR)  # the same person, by her email
    return person


def test_she_sees_each_of_her_studies_in_its_own_role(client, session, settings):
    sign_in(client, _two_studies(client, session, settings))
    listed = client.get(f"{BASE}/studies").json()
    assert [(s["slug"], s["participants"]) for s in listed] == [("site-a", 1), ("site-b", 2)]
    roles = {r["study"]: r["role"] for r in client.get(f"{BASE}/session").json()["roles"]}
    assert roles == {"site-a": "coordinator", "site-b": "investigator"}


def test_her_investigator_role_in_one_study_does_not_export_the_other(client, session, settings):
    sign_in(client, _two_studies(client, session, settings))
    refused = client.get(f"{BASE}/studies/site-a/export/participants")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "missing_scope"
    exported = client.get(f"{BASE}/studies/site-b/export/participants?format=ndjson")
    assert exported.status_code == 200
    assert len(exported.text.strip().splitlines()) == 2


def test_each_study_lists_only_its_own_participants(client, session, settings):
    sign_in(client, _two_studies(client, session, settings))
    site_a = client.get(f"{BASE}/studies/site-a/participants").json()
    site_b = client.get(f"{BASE}/studies/site-b/participants").json()
    assert len(site_a) == 1 and len(site_b) == 2
    assert not {p["pseudonym"] for p in site_a} & {p["pseudonym"] for p in site_b}


def test_her_token_of_one_study_opens_nothing_of_the_other(client, session, settings):
    csrf = sign_in(client, _two_studies(client, session, settings))
    made = client.post(f"{BASE}/studies/site-b/tokens", json={"label": "b"}, headers=csrf)
    client.cookies.clear()
    response = client.get(f"{BASE}/studies/site-a", headers=bearer(made.json()["token"]))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_study"


def test_a_study_she_has_no_role_in_is_refused_and_audited_there(client, session, settings):
    make_study(session, slug="site-c")
    sign_in(client, _two_studies(client, session, settings))
    response = client.get(f"{BASE}/studies/site-c/participants")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_study"
    refused = session.exec(select(AuditEvent).where(AuditEvent.action == "access.refused")).one()
    assert refused.actor == "staff:ana@site.example.org"
