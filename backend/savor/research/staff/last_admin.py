"""A study always keeps an admin: nobody can demote, remove or lock the last one.

Without an admin nobody could change the protocol, unlock anyone or invite a replacement
from the API; only the operator's command line could repair it.
"""

from sqlmodel import Session, select

from savor.errors import AppError
from savor.research.staff.models import StaffAccount, StaffStudyRole
from savor.research.staff.roles import StaffRole
from savor.studies.models import Study


def keep_an_admin(*, session: Session, study: Study, losing: StaffAccount) -> None:
    """Refuse (409 `last_admin`) when `losing` is the study's only admin who is not locked."""
    others = session.exec(
        select(StaffAccount.id)
        .join(StaffStudyRole, StaffStudyRole.staff_id == StaffAccount.id)  # type: ignore[arg-type]
        .where(StaffStudyRole.study_id == study.id)
        .where(StaffStudyRole.role == StaffRole.ADMIN.value)
        .where(StaffAccount.id != losing.id)
        .where(StaffAccount.locked_at.is_(None))  # type: ignore[union-attr]
    ).first()
    mine = session.get(StaffStudyRole, (losing.id, study.id))
    if others is None and mine is not None and mine.role == StaffRole.ADMIN.value:
        raise AppError(
            409,
            "last_admin",
            "This is the study's only admin. Make someone else an admin first, so the study "
            "always has one.",
        )
