"""`savor staff`: a person's role in a study (the first admin, say), unlocking, two-factor."""

from typing import Annotated

import typer

from savor.cli.common import fail, out, session_for, settings, study_by_slug
from savor.clock import utcnow
from savor.research.staff import service as staff_service
from savor.research.staff.roles import StaffRole

staff_app = typer.Typer(help="Staff accounts of study teams.", no_args_is_help=True)


@staff_app.command("create")
def staff_create(
    email: str,
    study: Annotated[str, typer.Option(help="study slug")],
    role: Annotated[StaffRole, typer.Option(help="her role in this study")],
    name: Annotated[str, typer.Option(help="her name as the team sees it")] = "",
) -> None:
    """Give a person a role in a study (the first admin, say) and print her setup link."""
    found_settings = settings()
    now = utcnow()
    with session_for(found_settings) as session:
        found = study_by_slug(session, study)
        account, token = staff_service.invite(
            session=session,
            email=email,
            display_name=name or email.split("@")[0],
            study=found,
            role=role,
            by="cli",
            now=now,
        )
        staff_service.record(
            session=session,
            actor="cli",
            action="staff.invite",
            now=now,
            study=found,
            role=None,
            detail={"email": account.email, "granted_role": role.value},
        )
        email = account.email
        session.commit()
    out.print(f"{email} is {role.value} of {study}.")
    if token:
        hours = int(staff_service.SETUP_LINK_LIFETIME.total_seconds() // 3600)
        out.print(f"Setup link (works once, for {hours} hours; give it to her yourself):")
        out.print(staff_service.setup_url(found_settings.public_url, token))


@staff_app.command("unlock")
def staff_unlock(email: str) -> None:
    """Unlock an account locked after too many failed sign-ins."""
    with session_for(settings()) as session:
        account = staff_service.find_account(session=session, email=email)
        if account is None:
            raise fail(f"No staff account for {email}.")
        now = utcnow()
        staff_service.set_locked(session=session, account=account, locked=False, now=now)
        for found, role in staff_service.roles_of(session=session, account=account):
            staff_service.record(
                session=session,
                actor="cli",
                action="staff.unlock",
                now=now,
                study=found,
                role=None,
                detail={"email": account.email, "her_role": role},
            )
        email = account.email
        session.commit()
    out.print(f"{email} can sign in again.")


@staff_app.command("two-factor")
def staff_two_factor(
    study: Annotated[str, typer.Option(help="study slug")],
    required: Annotated[bool, typer.Option("--required/--optional")] = True,
) -> None:
    """Whether the study's team must sign in with a code from an authenticator app."""
    with session_for(settings()) as session:
        found = study_by_slug(session, study)
        found.staff_two_factor = required
        session.add(found)
        staff_service.record(
            session=session,
            actor="cli",
            action="staff.two_factor",
            now=utcnow(),
            study=found,
            role=None,
            detail={"required": required},
        )
        session.commit()
    out.print(f"Two-factor sign-in for {study}: {'required' if required else 'optional'}.")
