"""Each two-factor code opens one session at most

`staff_account` gains `totp_last_step`: the RFC 6238 time step of the last code she used. A
code for that step or an earlier one is refused, so a code seen over her shoulder or sent twice
opens nothing (RFC 6238 §5.2). Empty for existing accounts: their next code is accepted.

Revision ID: 7a1d3c5e9b20
Revises: de11a5c0ffee
Create Date: 2026-12-07 12:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a1d3c5e9b20"
down_revision: str | None = "de11a5c0ffee"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("staff_account", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("staff_account", "totp_last_step")
