"""Staff accounts: first account and invitations, setup links, roles per study, locks."""

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from savor.errors import AppError
from savor.research import service as research_service
from savor.research.staff import passwords, seeds, totp
from savor.research.staff.models import (
    StaffAccount,
    StaffPublic,
    StaffRecoveryCode,
    StaffSetupLink,
    StaffStudyRole,
    StudyRolePublic,
)
from savor.research.staff.roles import StaffRole
from savor.studies.models import Study
from savor.tokens import hash_token, new_token

SETUP_PREFIX = "svl_"
SETUP_LINK_LIFETIME = timedelta(hours=72)
_EMAIL = re.compile(r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise AppError(422, "invalid_email", "Please give an email address like ana@site.org.")
    return email


def plain_text(value: str, what: str) -> str:
    """A name or label without control characters (which no database column should hold)."""
    value = value.strip()
    if not value or _CONTROL.search(value):
        raise AppError(422, "invalid_text", f"Please give the {what} as plain text.")
    return value


def staff_actor(account: StaffAccount) -> str:
    return f"staff:{account.email}"


def find_account(*, session: Session, email: str) -> StaffAccount | None:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        return None  # nobody has it; and a NUL character would not even reach PostgreSQL
    return session.exec(select(StaffAccount).where(StaffAccount.email == email)).first()


def roles_of(*, session: Session, account: StaffAccount) -> list[tuple[Study, str]]:
    """Her studies and the role she holds in each, by study slug."""
    rows = session.exec(
        select(Study, StaffStudyRole.role)
        .join(StaffStudyRole, col(StaffStudyRole.study_id) == Study.id)
        .where(StaffStudyRole.staff_id == account.id)
        .order_by(col(Study.slug))
    ).all()
    return [(study, role) for study, role in rows]


def role_in(*, session: Session, staff_id: uuid.UUID, study: Study) -> str | None:
    found = session.get(StaffStudyRole, (staff_id, study.id))
    return found.role if found else None


def staff_public(*, session: Session, account: StaffAccount) -> StaffPublic:
    roles = roles_of(session=session, account=account)
    return StaffPublic(
        id=account.id,
        email=account.email,
        display_name=account.display_name,
        two_factor=account.totp_secret is not None,
        locked=account.locked_at is not None,
        roles=[StudyRolePublic(study=s.slug, role=StaffRole(r)) for s, r in roles],
    )


def record(
    *,
    session: Session,
    actor: str,
    action: str,
    now: datetime,
    study: Study,
    role: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Audit a staff action on one study, with the role it was done in; the caller commits."""
    research_service.record(
        session=session,
        study=study,
        action=action,
        now=now,
        actor=actor,
        detail={**(detail or {}), "role": role},
    )


def record_everywhere(
    *,
    session: Session,
    account: StaffAccount,
    action: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Audit what concerns her account as a whole on each study she has a role in."""
    for study, role in roles_of(session=session, account=account):
        actor = staff_actor(account)
        record(
            session=session,
            actor=actor,
            action=action,
            now=now,
            study=study,
            role=role,
            detail=detail,
        )


def grant_role(
    *,
    session: Session,
    account: StaffAccount,
    study: Study,
    role: StaffRole,
    by: str,
    now: datetime,
) -> None:
    found = session.get(StaffStudyRole, (account.id, study.id))
    if found is None:
        found = StaffStudyRole(
            staff_id=account.id, study_id=study.id, role=role.value, granted_by=by, granted_at=now
        )
    found.role, found.granted_by, found.granted_at = role.value, by, now
    session.add(found)


def remove_role(*, session: Session, account: StaffAccount, study: Study) -> None:
    found = session.get(StaffStudyRole, (account.id, study.id))
    if found is None:
        raise AppError(404, "not_staff", "This person has no role in this study.")
    session.delete(found)


def invite(
    *,
    session: Session,
    email: str,
    display_name: str,
    study: Study,
    role: StaffRole,
    by: str,
    now: datetime,
) -> tuple[StaffAccount, str]:
    """Her account (new, or one she has for another study) with `role`, and a setup link
    token when she still has to set up. The caller commits."""
    email = normalize_email(email)
    account = find_account(session=session, email=email)
    if account is None:
        name = plain_text(display_name, "name")
        account = StaffAccount(email=email, display_name=name, created_at=now)
        session.add(account)
        session.flush()
    grant_role(session=session, account=account, study=study, role=role, by=by, now=now)
    token = ""
    if account.password_hash is None:
        token = new_setup_link(session=session, account=account, by=by, now=now)
    return account, token


def new_setup_link(*, session: Session, account: StaffAccount, by: str, now: datetime) -> str:
    """A one-time setup link token; earlier unused links of hers stop working."""
    for link in session.exec(select(StaffSetupLink).where(StaffSetupLink.staff_id == account.id)):
        if link.used_at is None:
            link.used_at = now
            session.add(link)
    token, token_hash = new_token(SETUP_PREFIX)
    session.add(
        StaffSetupLink(
            staff_id=account.id,
            token_hash=token_hash,
            created_by=by,
            created_at=now,
            expires_at=now + SETUP_LINK_LIFETIME,
        )
    )
    return token


def setup_url(public_url: str, token: str) -> str:
    # In the fragment: never sent to a server, so no access log or proxy ever keeps it.
    return f"{public_url.rstrip('/')}/console/#setup={token}"


def _open_link(session: Session, token: str, now: datetime) -> tuple[StaffSetupLink, StaffAccount]:
    link = session.exec(
        select(StaffSetupLink).where(StaffSetupLink.token_hash == hash_token(token))
    ).first()
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise AppError(
            404,
            "setup_link_invalid",
            "This setup link is not valid any more. Ask an admin of your study for a new one.",
        )
    return link, session.get_one(StaffAccount, link.staff_id)


def two_factor_required(*, session: Session, account: StaffAccount) -> bool:
    return any(s.staff_two_factor for s, _ in roles_of(session=session, account=account))


def complete_setup(
    *,
    session: Session,
    token: str,
    password: str,
    totp_code: str | None,
    pepper: bytes,
    now: datetime,
) -> tuple[StaffAccount, list[str], StaffSetupLink]:
    """Set her password and, with a code from her app, two-factor; the caller commits."""
    link, account = _open_link(session, token, now)
    weak = passwords.weakness(password)
    if weak:
        raise AppError(422, "weak_password", weak)
    codes: list[str] = []
    if totp_code:
        seed = seeds.offered_seed(token, pepper=pepper)
        step = totp.matched_step(seed, totp_code, now=now)
        if step is None:
            raise AppError(
                422,
                "invalid_code",
                "That code did not match. Scan the QR code again and type the code your "
                "app shows now.",
            )
        account.totp_secret = seeds.seal(seed, staff_id=account.id, pepper=pepper)
        account.totp_last_step = step
        codes = replace_recovery_codes(session=session, account=account)
    elif two_factor_required(session=session, account=account):
        raise AppError(
            422,
            "two_factor_required",
            "Your study requires two-factor sign-in: scan the QR code with an authenticator "
            "app and type the code it shows.",
        )
    account.password_hash = passwords.hash_password(password)
    account.failed_attempts, account.locked_at = 0, None
    link.used_at = now
    session.add_all([account, link])
    return account, codes, link


def setup_offer_parts(*, session: Session, token: str, now: datetime) -> tuple[StaffAccount, bool]:
    _, account = _open_link(session, token, now)
    return account, two_factor_required(session=session, account=account)


def replace_recovery_codes(*, session: Session, account: StaffAccount) -> list[str]:
    for old in session.exec(
        select(StaffRecoveryCode).where(StaffRecoveryCode.staff_id == account.id)
    ):
        session.delete(old)
    codes = totp.new_recovery_codes()
    session.add_all(
        StaffRecoveryCode(staff_id=account.id, code_hash=totp.hash_recovery_code(code))
        for code in codes
    )
    return codes


def set_locked(*, session: Session, account: StaffAccount, locked: bool, now: datetime) -> None:
    account.locked_at = now if locked else None
    account.failed_attempts = 0
    session.add(account)


def member(*, session: Session, study: Study, staff_id: uuid.UUID) -> StaffAccount:
    """A person holding a role in this study, or 404: an admin manages her own study's team."""
    account = session.get(StaffAccount, staff_id)
    if account is None or role_in(session=session, staff_id=staff_id, study=study) is None:
        raise AppError(404, "not_staff", "Nobody with this id has a role in this study.")
    return account


def team(*, session: Session, study: Study) -> list[StaffAccount]:
    return list(
        session.exec(
            select(StaffAccount)
            .join(StaffStudyRole, col(StaffStudyRole.staff_id) == StaffAccount.id)
            .where(StaffStudyRole.study_id == study.id)
            .order_by(col(StaffAccount.email))
        )
    )
