"""A person of the study team at the research API: by her session cookie, or behind a token
she made. Roles become scopes here, so the research routes know one authorization model."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from savor.clock import utcnow
from savor.db import SessionDep
from savor.errors import AppError
from savor.research.access import (
    Refusal,
    ResearchAccess,
    StaffActor,
    StaffCookieDep,
    StaffSignIn,
    TokenScope,
)
from savor.research.staff import service as staff_service
from savor.research.staff import sessions
from savor.research.staff.models import StaffAccount, StaffSession
from savor.research.staff.roles import StaffRole, scopes_of
from savor.studies.models import Study

CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def actor_of(account: StaffAccount, role: str) -> StaffActor:
    return StaffActor(id=account.id, email=account.email, role=role, scopes=scopes_of(role))


def check_csrf(request: Request, row: StaffSession) -> None:
    """A change made with the cookie must echo the session's CSRF token in a header."""
    if request.method in SAFE_METHODS:
        return
    if not sessions.csrf_matches(row, request.headers.get(CSRF_HEADER)):
        raise AppError(
            403,
            "csrf_failed",
            f"Send the CSRF token from sign-in in the '{CSRF_HEADER}' header "
            "(the console does this for you; reload it).",
        )


def _usable(study: Study, row: StaffSession) -> bool:
    return row.two_factor or not study.staff_two_factor


def _no_role(account: StaffAccount, slug: str) -> Refusal:
    return Refusal(
        403,
        "wrong_study",
        f"Your session does not give access to study '{slug}'.",
        actor=staff_service.staff_actor(account),
    )


def by_session(
    request: Request, session: Session, cookie: str, scope: TokenScope, slug: str | None
) -> ResearchAccess:
    """Her access to the study in the path, or to each of hers where her role has `scope`."""
    try:
        row, account = sessions.current(session=session, cookie=cookie, now=utcnow())
    except AppError as error:
        raise Refusal(error.status_code, error.code, error.message) from error
    check_csrf(request, row)
    held = [
        (study, role)
        for study, role in staff_service.roles_of(session=session, account=account)
        if _usable(study, row)
    ]
    if slug is not None:
        for study, role in held:
            if study.slug == slug:
                return ResearchAccess(study=study, staff=actor_of(account, role))
        raise _no_role(account, slug)
    each = tuple(
        ResearchAccess(study=study, staff=actor_of(account, role))
        for study, role in held
        if scope.value in scopes_of(role)
    )
    if not each:
        raise Refusal(
            403,
            "missing_scope",
            f"None of your roles allows this: it needs the '{scope.value}' scope.",
            actor=staff_service.staff_actor(account),
        )
    return ResearchAccess(study=each[0].study, staff=each[0].staff, studies=each)


def behind_token(session: Session, access: ResearchAccess) -> ResearchAccess:
    """A token she made acts for her only while she is unlocked and holds a role there."""
    token = access.token
    assert token is not None and token.staff_id is not None
    account = session.get_one(StaffAccount, token.staff_id)
    role = staff_service.role_in(session=session, staff_id=account.id, study=access.study)
    if account.locked_at is not None or role is None:
        raise Refusal(
            401,
            "token_revoked",
            "The person who made this token is locked or no longer on this study's team.",
            token=token,
            study=access.study,
        )
    return ResearchAccess(study=access.study, token=token, staff=actor_of(account, role))


STAFF_SIGN_IN = StaffSignIn(by_session=by_session, behind_token=behind_token)


@dataclass(frozen=True)
class SignedIn:
    row: StaffSession
    account: StaffAccount


def signed_in(request: Request, session: SessionDep, cookie: StaffCookieDep) -> SignedIn:
    """Dependency: a person signed in with her session cookie (no token will do)."""
    if cookie is None:
        raise AppError(401, "not_signed_in", "Please sign in to the console first.")
    row, account = sessions.current(session=session, cookie=cookie, now=utcnow())
    check_csrf(request, row)
    return SignedIn(row=row, account=account)


SignedInDep = Annotated[SignedIn, Depends(signed_in)]


@dataclass(frozen=True)
class Member:
    """A signed-in person acting in the study named in the path, in her role there."""

    account: StaffAccount
    study: Study
    role: StaffRole
    row: StaffSession

    @property
    def actor(self) -> str:
        return staff_service.staff_actor(self.account)


def study_member(slug: str, me: SignedInDep, session: SessionDep) -> Member:
    for study, role in staff_service.roles_of(session=session, account=me.account):
        if study.slug == slug and _usable(study, me.row):
            return Member(account=me.account, study=study, role=StaffRole(role), row=me.row)
    raise AppError(403, "wrong_study", f"Your session does not give access to study '{slug}'.")


def study_admin(member: Annotated[Member, Depends(study_member)]) -> Member:
    if member.role is not StaffRole.ADMIN:
        raise AppError(
            403, "admin_only", "Only an admin of this study manages its team and its tokens."
        )
    return member


MemberDep = Annotated[Member, Depends(study_member)]
AdminDep = Annotated[Member, Depends(study_admin)]
