"""Staff two-factor seeds sealed at rest; setup links keep no seed

`staff_account.totp_secret` widens to hold a sealed seed (research/staff/seeds.py). Seeds
already stored stay readable and are sealed at each person's next sign-in: the server secret
that seals them is not available to a migration.

`staff_setup_link.totp_secret` goes: a link's seed is now derived from its token and the
server secret. A link still open when this runs offers a new QR code, so whoever had scanned
the old one scans again. Downgrading closes the links still open, for the same reason, and
forgets the sealed seeds the older code could not read: those people are asked for a new
setup link where their study requires two-factor.

Revision ID: 5eed5ea1ed01
Revises: b7e4c2a9d610
Create Date: 2026-12-07 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5eed5ea1ed01"
down_revision: str | None = "b7e4c2a9d610"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _string(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table("staff_account") as batch_op:
        batch_op.alter_column(
            "totp_secret", existing_type=_string(64), type_=_string(200), existing_nullable=True
        )
    with op.batch_alter_table("staff_setup_link") as batch_op:
        batch_op.drop_column("totp_secret")


def downgrade() -> None:
    link = sa.table(
        "staff_setup_link",
        sa.column("used_at", sa.DateTime(timezone=True)),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.execute(link.update().where(link.c.used_at.is_(None)).values(used_at=link.c.created_at))
    with op.batch_alter_table("staff_setup_link") as batch_op:
        batch_op.add_column(
            sa.Column("totp_secret", _string(64), nullable=False, server_default="")
        )
    account = sa.table("staff_account", sa.column("totp_secret", sa.String()))
    op.execute(
        account.update()
        .where(account.c.totp_secret.like("sealed1:%"))
        .values(totp_secret=sa.null())
    )
    with op.batch_alter_table("staff_account") as batch_op:
        batch_op.alter_column(
            "totp_secret", existing_type=_string(200), type_=_string(64), existing_nullable=True
        )
