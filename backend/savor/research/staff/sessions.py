"""Signing in and out: password, then a TOTP or recovery code; sessions with two expiries."""

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from savor.errors import AppError
from savor.ratelimit import FailureLimiter
from savor.research.staff import passwords, seeds, totp
from savor.research.staff import service as staff_service
from savor.research.staff.models import SignIn, StaffAccount, StaffRecoveryCode, StaffSession
from savor.tokens import hash_token, new_token

SESSION_PREFIX = "svs_"
CSRF_PREFIX = "svc_"
IDLE_LIFETIME = timedelta(hours=8)
ABSOLUTE_LIFETIME = timedelta(hours=24)
# Seen-at is written at most this often: a page of calls is one write, not one per call.
TOUCH_EVERY = timedelta(minutes=1)
# Failures in a row that lock the account until an admin unlocks it; the limiter's shorter
# window makes a guesser wait long before reaching it.
LOCK_AFTER = 10


@dataclass(frozen=True)
class NewSession:
    cookie: str
    csrf_token: str
    row: StaffSession
    account: StaffAccount


def _fail(
    session: Session,
    account: StaffAccount | None,
    keys: list[str],
    limiter: FailureLimiter,
    now: datetime,
    error: AppError,
) -> AppError:
    """Count a failed attempt under each key and on her account, audit it, commit."""
    limiter.record_failure(keys, now=now)
    if account is not None:
        account.failed_attempts += 1
        if account.failed_attempts >= LOCK_AFTER and account.locked_at is None:
            account.locked_at = now
            staff_service.record_everywhere(
                session=session,
                account=account,
                action="staff.locked",
                now=now,
                detail={"after_failures": account.failed_attempts},
            )
        session.add(account)
        staff_service.record_everywhere(
            session=session,
            account=account,
            action="staff.sign_in_failed",
            now=now,
            detail={"reason": error.code},
        )
        session.commit()
    return error


def limiter_keys(client: str, email: str) -> list[str]:
    return [f"client:{client}", f"account:{email.strip().lower()}"]


def _second_factor(
    session: Session, account: StaffAccount, body: SignIn, pepper: bytes, now: datetime
) -> bool:
    """Whether the TOTP or recovery code checks out; a recovery code is spent on use."""
    assert account.totp_secret is not None
    if body.totp_code:
        seed = seeds.unseal(account.totp_secret, staff_id=account.id, pepper=pepper)
        if seed is None:
            return False
        step = totp.matched_step(seed, body.totp_code, now=now)
        if step is None or not _spend_step(session, account, step):
            return False
        if not seeds.is_sealed(account.totp_secret):
            account.totp_secret = seeds.seal(seed, staff_id=account.id, pepper=pepper)
        return True
    if body.recovery_code:
        spare = session.exec(
            select(StaffRecoveryCode)
            .where(StaffRecoveryCode.staff_id == account.id)
            .where(StaffRecoveryCode.code_hash == totp.hash_recovery_code(body.recovery_code))
            .where(StaffRecoveryCode.used_at.is_(None))  # type: ignore[union-attr]
        ).first()
        if spare is not None:
            spare.used_at = now
            session.add(spare)
            return True
    return False


def _spend_step(session: Session, account: StaffAccount, step: int) -> bool:
    """Record `step` as used, unless it (or a later one) already was.

    One conditional UPDATE, so two sign-ins racing with the same code cannot both win.
    """
    used = sa.or_(
        StaffAccount.totp_last_step.is_(None),  # type: ignore[union-attr]
        StaffAccount.totp_last_step < step,  # type: ignore[operator]
    )
    spent = session.exec(  # type: ignore[call-overload]
        sa.update(StaffAccount)
        .where(StaffAccount.id == account.id)  # type: ignore[arg-type]
        .where(used)
        .values(totp_last_step=step)
    )
    if spent.rowcount != 1:
        return False
    account.totp_last_step = step
    return True


def sign_in(
    *,
    session: Session,
    body: SignIn,
    client: str,
    limiter: FailureLimiter,
    pepper: bytes,
    now: datetime,
) -> NewSession:
    """Check her password and second factor, and open a new session; the caller commits."""
    keys = limiter_keys(client, body.email)
    limiter.refuse_if_locked(keys, now=now, what="sign-in attempts")
    account = staff_service.find_account(session=session, email=body.email)
    ok = passwords.verify_password(account.password_hash if account else None, body.password)
    if account is None or not ok:
        raise _fail(
            session,
            account,
            keys,
            limiter,
            now,
            AppError(
                401,
                "invalid_credentials",
                "That email and password do not match. Please try again.",
            ),
        )
    if account.locked_at is not None:
        raise AppError(
            403,
            "account_locked",
            "This account is locked after too many attempts. Ask an admin of your study to "
            "unlock it.",
        )
    if account.totp_secret is not None:
        if not (body.totp_code or body.recovery_code):
            raise AppError(
                401,
                "code_needed",
                "Type the 6-digit code from your authenticator app, or a recovery code.",
            )
        if not _second_factor(session, account, body, pepper, now):
            raise _fail(
                session,
                account,
                keys,
                limiter,
                now,
                AppError(
                    401,
                    "invalid_code",
                    "That code did not work. Type the code your app shows now (each code works "
                    "once), or a recovery code.",
                ),
            )
    elif staff_service.two_factor_required(session=session, account=account):
        raise AppError(
            403,
            "two_factor_setup_needed",
            "Your study requires two-factor sign-in. Ask an admin of your study for a setup "
            "link to set it up.",
        )
    if passwords.needs_rehash(account.password_hash or ""):
        account.password_hash = passwords.hash_password(body.password)
    account.failed_attempts = 0
    return _open(session, account, two_factor=account.totp_secret is not None, now=now)


def _open(
    session: Session, account: StaffAccount, *, two_factor: bool, now: datetime
) -> NewSession:
    cookie, cookie_hash = new_token(SESSION_PREFIX)
    csrf, csrf_hash = new_token(CSRF_PREFIX)
    row = StaffSession(
        staff_id=account.id,
        token_hash=cookie_hash,
        csrf_hash=csrf_hash,
        two_factor=two_factor,
        created_at=now,
        last_seen_at=now,
    )
    session.add_all([account, row])
    staff_service.record_everywhere(
        session=session,
        account=account,
        action="staff.sign_in",
        now=now,
        detail={"two_factor": two_factor},
    )
    return NewSession(cookie=cookie, csrf_token=csrf, row=row, account=account)


def expired() -> AppError:
    return AppError(
        401,
        "session_expired",
        "Your session has ended. Please sign in again.",
        headers={"WWW-Authenticate": "Bearer"},
    )


def current(*, session: Session, cookie: str, now: datetime) -> tuple[StaffSession, StaffAccount]:
    """Her open session and account, touched as seen; 401 when it ended or expired."""
    found = session.exec(
        select(StaffSession, StaffAccount)
        .join(StaffAccount)
        .where(StaffSession.token_hash == hash_token(cookie))
    ).first()
    if found is None:
        raise expired()
    row, account = found
    if row.ended_at is not None or account.locked_at is not None or not is_live(row, now):
        raise expired()
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return row, account


def is_live(row: StaffSession, now: datetime) -> bool:
    return now < row.last_seen_at + IDLE_LIFETIME and now < row.created_at + ABSOLUTE_LIFETIME


def csrf_matches(row: StaffSession, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(hash_token(header), row.csrf_hash)


def end(*, session: Session, row: StaffSession, now: datetime) -> None:
    row.ended_at = now
    session.add(row)


def end_all(*, session: Session, account: StaffAccount, now: datetime) -> int:
    """End every open session of hers, on every device; the caller commits."""
    rows = session.exec(
        select(StaffSession)
        .where(StaffSession.staff_id == account.id)
        .where(StaffSession.ended_at.is_(None))  # type: ignore[union-attr]
    ).all()
    for row in rows:
        end(session=session, row=row, now=now)
    return len(rows)
