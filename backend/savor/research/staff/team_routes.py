"""A study's team at the research API: invitations, roles, locks, and personal tokens."""

import uuid

from fastapi import APIRouter
from sqlmodel import Session

from savor.clock import utcnow
from savor.db import SessionDep
from savor.deps import SettingsDep
from savor.research.staff import personal_tokens
from savor.research.staff import service as staff_service
from savor.research.staff.access import AdminDep, Member, MemberDep
from savor.research.staff.last_admin import keep_an_admin
from savor.research.staff.models import (
    PersonalTokenCreate,
    PersonalTokenPublic,
    RoleUpdate,
    SetupLinkPublic,
    StaffInvite,
    StaffPublic,
)
from savor.research.staff.roles import StaffRole

router = APIRouter(prefix="/api/research/v1/studies/{slug}", tags=["staff"])


def _audit(session: Session, me: Member, action: str, detail: dict) -> None:
    staff_service.record(
        session=session,
        actor=me.actor,
        action=action,
        now=utcnow(),
        study=me.study,
        role=me.role.value,
        detail=detail,
    )
    session.commit()


@router.get("/staff", response_model=list[StaffPublic])
def read_staff(slug: str, me: AdminDep, session: SessionDep) -> list[StaffPublic]:
    """The study's team: each person, her roles, two-factor and lock (role admin)."""
    team = staff_service.team(session=session, study=me.study)
    views = [staff_service.staff_public(session=session, account=a) for a in team]
    _audit(session, me, "staff.list", {"rows": len(views)})
    return views


@router.post("/staff", response_model=SetupLinkPublic, status_code=201)
def create_staff(
    slug: str, body: StaffInvite, me: AdminDep, session: SessionDep, settings: SettingsDep
) -> SetupLinkPublic:
    """Invite a person with a role; give her the one-time setup link yourself (role admin)."""
    now = utcnow()
    account, token = staff_service.invite(
        session=session,
        email=body.email,
        display_name=body.display_name,
        study=me.study,
        role=body.role,
        by=me.actor,
        now=now,
    )
    link = staff_service.setup_url(settings.public_url, token) if token else ""
    _audit(session, me, "staff.invite", {"email": account.email, "granted_role": body.role})
    return SetupLinkPublic(
        staff=staff_service.staff_public(session=session, account=account),
        setup_link=link,
        expires_at=now + staff_service.SETUP_LINK_LIFETIME,
    )


@router.put("/staff/{staff_id}/role", response_model=StaffPublic)
def update_staff_role(
    slug: str, staff_id: uuid.UUID, body: RoleUpdate, me: AdminDep, session: SessionDep
) -> StaffPublic:
    """Give a person of the team another role in this study (role admin)."""
    account = staff_service.member(session=session, study=me.study, staff_id=staff_id)
    if body.role != StaffRole.ADMIN:
        keep_an_admin(session=session, study=me.study, losing=account)
    staff_service.grant_role(
        session=session,
        account=account,
        study=me.study,
        role=body.role,
        by=me.actor,
        now=utcnow(),
    )
    _audit(session, me, "staff.role_change", {"email": account.email, "granted_role": body.role})
    return staff_service.staff_public(session=session, account=account)


@router.delete("/staff/{staff_id}", status_code=204)
def delete_staff(slug: str, staff_id: uuid.UUID, me: AdminDep, session: SessionDep) -> None:
    """Take away her role in this study; her tokens of it stop working (role admin)."""
    account = staff_service.member(session=session, study=me.study, staff_id=staff_id)
    keep_an_admin(session=session, study=me.study, losing=account)
    staff_service.remove_role(session=session, account=account, study=me.study)
    _audit(session, me, "staff.remove", {"email": account.email})


@router.post("/staff/{staff_id}/lock", response_model=StaffPublic)
def update_staff_lock(
    slug: str, staff_id: uuid.UUID, me: AdminDep, session: SessionDep
) -> StaffPublic:
    """Lock her account: her sessions and tokens stop working until unlocked (role admin)."""
    account = staff_service.member(session=session, study=me.study, staff_id=staff_id)
    keep_an_admin(session=session, study=me.study, losing=account)
    staff_service.set_locked(session=session, account=account, locked=True, now=utcnow())
    _audit(session, me, "staff.lock", {"email": account.email})
    return staff_service.staff_public(session=session, account=account)


@router.post("/staff/{staff_id}/unlock", response_model=StaffPublic)
def update_staff_unlock(
    slug: str, staff_id: uuid.UUID, me: AdminDep, session: SessionDep
) -> StaffPublic:
    """Unlock her account after too many failed sign-ins (role admin)."""
    account = staff_service.member(session=session, study=me.study, staff_id=staff_id)
    staff_service.set_locked(session=session, account=account, locked=False, now=utcnow())
    _audit(session, me, "staff.unlock", {"email": account.email})
    return staff_service.staff_public(session=session, account=account)


@router.post("/staff/{staff_id}/setup-link", response_model=SetupLinkPublic, status_code=201)
def create_staff_setup_link(
    slug: str, staff_id: uuid.UUID, me: AdminDep, session: SessionDep, settings: SettingsDep
) -> SetupLinkPublic:
    """A new setup link (a new password and app, say after a lost phone) (role admin)."""
    now = utcnow()
    account = staff_service.member(session=session, study=me.study, staff_id=staff_id)
    token = staff_service.new_setup_link(session=session, account=account, by=me.actor, now=now)
    _audit(session, me, "staff.setup_link", {"email": account.email})
    return SetupLinkPublic(
        staff=staff_service.staff_public(session=session, account=account),
        setup_link=staff_service.setup_url(settings.public_url, token),
        expires_at=now + staff_service.SETUP_LINK_LIFETIME,
    )


@router.post("/tokens", response_model=PersonalTokenPublic, status_code=201)
def create_personal_token(
    slug: str, body: PersonalTokenCreate, me: MemberDep, session: SessionDep
) -> PersonalTokenPublic:
    """A token of yours for scripts: your role's scopes or fewer, and an expiry (any role)."""
    row, token = personal_tokens.create(
        session=session,
        account=me.account,
        study=me.study,
        role=me.role.value,
        label=body.label,
        scopes=body.scopes,
        days=body.expires_in_days,
        now=utcnow(),
    )
    view = personal_tokens.public(row, token)
    _audit(session, me, "token.create", {"label": row.label, "scopes": view.scopes})
    return view


@router.get("/tokens", response_model=list[PersonalTokenPublic])
def read_personal_tokens(
    slug: str, me: MemberDep, session: SessionDep
) -> list[PersonalTokenPublic]:
    """Your tokens of this study; an admin sees every token of it (any role)."""
    staff_id = None if me.role.value == "admin" else me.account.id
    rows = personal_tokens.listed(session=session, study=me.study, staff_id=staff_id)
    return [personal_tokens.public(row) for row in rows]


@router.delete("/tokens/{token_id}", status_code=204)
def delete_personal_token(
    slug: str, token_id: uuid.UUID, me: MemberDep, session: SessionDep
) -> None:
    """Revoke a token of yours; an admin revokes any token of the study (any role)."""
    row = personal_tokens.find(session=session, study=me.study, token_id=token_id)
    if me.role.value != "admin" and row.staff_id != me.account.id:
        raise personal_tokens.not_yours()
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
    _audit(session, me, "token.revoke", {"label": row.label, "token": str(row.id)})
