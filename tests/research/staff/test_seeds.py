"""Two-factor seeds at rest: sealed with the server's key, and none kept with a setup link."""

import logging
import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from savor.research.staff import seeds, totp
from savor.research.staff import service as staff_service
from savor.research.staff.models import StaffAccount, StaffSetupLink
from savor.research.staff.roles import StaffRole
from tests.factories import make_study
from tests.research.staff.helpers import BASE, PASSWORD, RFC_SECRET, add_staff

PEPPER = b"a server secret of the tests, long enough"


def _invited(session) -> str:
    _, token = staff_service.invite(
        session=session,
        email="bo@site.example.org",
        display_name="Bo",
        study=make_study(session),
        role=StaffRole.COORDINATOR,
        by="test",
        now=datetime.now(UTC),
    )
    session.commit()
    return token


def _set_up(client, token: str) -> str:
    """Follow the link with her app; returns the seed her app holds."""
    offer = client.post(f"{BASE}/staff/setup/offer", json={"token": token}).json()
    code = totp.code_at(offer["totp_secret"], datetime.now(UTC))
    body = {"token": token, "password": PASSWORD, "totp_code": code}
    assert client.post(f"{BASE}/staff/setup", json=body).status_code == 200
    return offer["totp_secret"]


def _stored_seed(session, email: str) -> str:
    session.expire_all()
    account = session.exec(select(StaffAccount).where(StaffAccount.email == email)).one()
    assert account.totp_secret is not None
    return account.totp_secret


def test_the_seed_her_app_holds_is_stored_sealed(client, session):
    seed = _set_up(client, _invited(session))
    stored = _stored_seed(session, "bo@site.example.org")
    assert stored.startswith(seeds.SEALED)
    assert seed not in stored


def test_she_signs_in_with_the_sealed_seed(client, session):
    seed = _set_up(client, _invited(session))
    code = totp.code_at(seed, datetime.now(UTC) + timedelta(seconds=30))
    body = {"email": "bo@site.example.org", "password": PASSWORD, "totp_code": code}
    assert client.post(f"{BASE}/session", json=body).status_code == 200


def test_a_setup_link_keeps_no_seed_and_offers_the_same_one_each_visit(client, session):
    token = _invited(session)
    first = client.post(f"{BASE}/staff/setup/offer", json={"token": token}).json()
    again = client.post(f"{BASE}/staff/setup/offer", json={"token": token}).json()
    assert first["totp_secret"] == again["totp_secret"]
    assert "totp_secret" not in StaffSetupLink.model_fields
    columns = session.exec(select(StaffSetupLink)).one().model_dump()
    assert first["totp_secret"] not in str(columns)


def test_the_offered_seed_needs_the_server_secret_as_well_as_the_link():
    token = "svl_the-same-link"
    assert seeds.offered_seed(token, pepper=PEPPER) != seeds.offered_seed(
        token, pepper=b"another server secret, just as long"
    )
    assert len(seeds.offered_seed(token, pepper=PEPPER)) == 32  # 160 bits of base32


def test_a_seed_stored_before_sealing_works_and_is_sealed_at_her_next_sign_in(client, session):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    assert not seeds.is_sealed(_stored_seed(session, person.email))
    body = {"email": person.email, "password": PASSWORD, "totp_code": person.code()}
    assert client.post(f"{BASE}/session", json=body).status_code == 200
    stored = _stored_seed(session, person.email)
    assert seeds.is_sealed(stored) and person.secret not in stored
    body["totp_code"] = person.code(datetime.now(UTC) + timedelta(seconds=30))
    assert client.post(f"{BASE}/session", json=body).status_code == 200


def test_a_sealed_seed_copied_onto_another_account_opens_nothing():
    sealed = seeds.seal(RFC_SECRET, staff_id=uuid.uuid4(), pepper=PEPPER)
    assert seeds.unseal(sealed, staff_id=uuid.uuid4(), pepper=PEPPER) is None


def test_a_sealed_seed_opens_for_its_account_with_the_same_server_secret():
    staff_id = uuid.uuid4()
    sealed = seeds.seal(RFC_SECRET, staff_id=staff_id, pepper=PEPPER)
    assert seeds.unseal(sealed, staff_id=staff_id, pepper=PEPPER) == RFC_SECRET


def test_after_the_server_secret_changed_her_code_is_refused_and_the_log_says_why(
    client, session, caplog
):
    person = add_staff(session, make_study(session), StaffRole.INVESTIGATOR)
    account = session.get_one(StaffAccount, person.account.id)
    account.totp_secret = seeds.seal(
        RFC_SECRET, staff_id=account.id, pepper=b"the server secret before it changed"
    )
    session.add(account)
    session.commit()
    person.secret = RFC_SECRET
    body = {"email": person.email, "password": PASSWORD, "totp_code": person.code()}
    with caplog.at_level(logging.ERROR, logger="savor.research.staff.seeds"):
        refused = client.post(f"{BASE}/session", json=body)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_code"
    assert "new setup link" in caplog.text
