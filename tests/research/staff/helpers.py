"""Staff accounts for tests: made through the service, signed in through the API."""

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlmodel import Session

from savor.clock import utcnow
from savor.research.staff import passwords, totp
from savor.research.staff import service as staff_service
from savor.research.staff.models import StaffAccount
from savor.research.staff.roles import StaffRole
from savor.studies.models import Study

PASSWORD = "correct horse battery staple"
# Hashed once: argon2id is slow on purpose, and most tests only need her to sign in.
PASSWORD_HASH = passwords.hash_password(PASSWORD)
# RFC 6238's test key ("12345678901234567890"), whose codes the RFC lists.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
BASE = "/api/research/v1"


@dataclass
class Person:
    account: StaffAccount
    secret: str | None
    last_step: int = -1

    @property
    def email(self) -> str:
        return self.account.email

    def code(self, now: datetime | None = None) -> str:
        """The code her app shows next: each code opens one session, so signing in twice
        within 30 seconds takes the next step's code (the service allows one step of drift)."""
        assert self.secret is not None
        now = now or utcnow()
        step = max(now.timestamp() // 30, self.last_step + 1)
        self.last_step = int(step)
        return totp.code_at(self.secret, datetime.fromtimestamp(step * 30, UTC))


def add_staff(
    session: Session,
    study: Study,
    role: StaffRole,
    email: str = "ana@site.example.org",
    *,
    two_factor: bool = True,
) -> Person:
    """A person with `role` in `study` who has set up her password (and her app)."""
    now = utcnow()
    account, _ = staff_service.invite(
        session=session,
        email=email,
        display_name=email.split("@")[0],
        study=study,
        role=role,
        by="test",
        now=now,
    )
    if account.password_hash is None:
        account.password_hash = PASSWORD_HASH
        account.totp_secret = totp.new_secret() if two_factor else None
    session.add(account)
    session.commit()
    session.refresh(account)
    return Person(account=account, secret=account.totp_secret)


def sign_in(client: TestClient, person: Person, **extra: str) -> dict[str, str]:
    """Sign her in; returns the CSRF header her changes must carry."""
    body = {"email": person.email, "password": PASSWORD}
    if person.secret is not None:
        body["totp_code"] = person.code()
    response = client.post(f"{BASE}/session", json=body | extra)
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}
