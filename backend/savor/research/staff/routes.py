"""Staff sign-in at the research API: sessions, sign-out, and the one-time setup link."""

from fastapi import APIRouter, Request, Response
from sqlmodel import select

from savor.clock import utcnow
from savor.db import SessionDep
from savor.deps import ClientKeyDep, SettingsDep
from savor.research.access import STAFF_SESSION_COOKIE, StaffCookieDep
from savor.research.staff import seeds, sessions, totp
from savor.research.staff import service as staff_service
from savor.research.staff.access import SignedInDep
from savor.research.staff.models import (
    RecoveryCodes,
    SessionPublic,
    SetupBegin,
    SetupComplete,
    SetupOffer,
    SignIn,
    StaffPublic,
    StaffSession,
)
from savor.tokens import hash_token

router = APIRouter(prefix="/api/research/v1", tags=["staff"])
CSRF_COOKIE = "savor_csrf"
SESSION_COOKIE_PATH = "/api/research/v1"


def _set_cookies(request: Request, response: Response, opened: sessions.NewSession) -> None:
    secure = request.url.scheme == "https"
    max_age = int(sessions.ABSOLUTE_LIFETIME.total_seconds())
    response.set_cookie(
        STAFF_SESSION_COOKIE,
        opened.cookie,
        max_age=max_age,
        path=SESSION_COOKIE_PATH,
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    # Readable by the console's script, which echoes it in X-CSRF-Token: a page of another
    # site can neither read it nor set the header.
    response.set_cookie(
        CSRF_COOKIE,
        opened.csrf_token,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=False,
        samesite="strict",
    )


def _clear_cookies(response: Response) -> None:
    response.delete_cookie(STAFF_SESSION_COOKIE, path=SESSION_COOKIE_PATH)
    response.delete_cookie(CSRF_COOKIE, path="/")


@router.post("/session", response_model=SessionPublic)
def create_session(
    body: SignIn,
    request: Request,
    response: Response,
    session: SessionDep,
    client: ClientKeyDep,
    old_cookie: StaffCookieDep,
    settings: SettingsDep,
) -> SessionPublic:
    """Sign in with email, password and a code from her authenticator app: sets the cookie."""
    now = utcnow()
    opened = sessions.sign_in(
        session=session,
        body=body,
        client=client,
        limiter=request.app.state.staff_limiter,
        pepper=settings.pepper(),
        now=now,
    )
    if old_cookie is not None:
        # A new session id at every sign-in: a cookie planted before it is worth nothing.
        old = session.exec(
            select(StaffSession).where(StaffSession.token_hash == hash_token(old_cookie))
        ).first()
        if old is not None:
            sessions.end(session=session, row=old, now=now)
    session.commit()
    _set_cookies(request, response, opened)
    return SessionPublic(
        staff=staff_service.staff_public(session=session, account=opened.account),
        csrf_token=opened.csrf_token,
        idle_expires_at=now + sessions.IDLE_LIFETIME,
        expires_at=now + sessions.ABSOLUTE_LIFETIME,
    )


@router.get("/session", response_model=StaffPublic)
def read_session(me: SignedInDep, session: SessionDep) -> StaffPublic:
    """Who is signed in, and her role in each of her studies."""
    return staff_service.staff_public(session=session, account=me.account)


@router.delete("/session", status_code=204)
def delete_session(me: SignedInDep, session: SessionDep, response: Response) -> None:
    """Sign out here."""
    now = utcnow()
    sessions.end(session=session, row=me.row, now=now)
    staff_service.record_everywhere(
        session=session, account=me.account, action="staff.sign_out", now=now
    )
    session.commit()
    _clear_cookies(response)


@router.delete("/sessions", status_code=204)
def delete_sessions(me: SignedInDep, session: SessionDep, response: Response) -> None:
    """Sign out everywhere: every session of hers, on every device, ends now."""
    now = utcnow()
    ended = sessions.end_all(session=session, account=me.account, now=now)
    staff_service.record_everywhere(
        session=session,
        account=me.account,
        action="staff.sign_out_everywhere",
        now=now,
        detail={"sessions": ended},
    )
    session.commit()
    _clear_cookies(response)


@router.post("/staff/setup/offer", response_model=SetupOffer)
def create_setup_offer(body: SetupBegin, session: SessionDep, settings: SettingsDep) -> SetupOffer:
    """What her setup link offers: her name, and the QR code for her authenticator app."""
    account, required = staff_service.setup_offer_parts(
        session=session, token=body.token, now=utcnow()
    )
    seed = seeds.offered_seed(body.token, pepper=settings.pepper())
    uri = totp.provisioning_uri(seed, account.email)
    return SetupOffer(
        email=account.email,
        display_name=account.display_name,
        two_factor_required=required,
        totp_secret=seed,
        otpauth_uri=uri,
        qr_svg=totp.qr_svg(uri),
    )


@router.post("/staff/setup", response_model=RecoveryCodes)
def create_setup(body: SetupComplete, session: SessionDep, settings: SettingsDep) -> RecoveryCodes:
    """Choose her password and confirm her app's code; returns recovery codes, once."""
    now = utcnow()
    account, codes, link = staff_service.complete_setup(
        session=session,
        token=body.token,
        password=body.password,
        totp_code=body.totp_code,
        pepper=settings.pepper(),
        now=now,
    )
    staff_service.record_everywhere(
        session=session,
        account=account,
        action="staff.setup",
        now=now,
        detail={"two_factor": account.totp_secret is not None, "link_by": link.created_by},
    )
    session.commit()
    return RecoveryCodes(recovery_codes=codes)
