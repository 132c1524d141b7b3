"""Every reminder of a prompt counted, not only the last

`prompt` gains `reminders_sent` (how many reminders went out) and `first_reminded_at` (when
the first did); `reminded_at` stays the time of the last one. A questionnaire wave reminds on
several days, and researchers need to see that the day 2 and the day 5 reminders both went
out. A prompt reminded before this counts as reminded once, at its `reminded_at`.

Both change only together with `reminded_at`, which the prompt's update trigger already
watches, so the next incremental pull brings the prompt again without a trigger change.

Revision ID: e5a0c3d8b1f4
Revises: 5eed5ea1ed01
Create Date: 2026-12-07 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import savor.sqltypes

revision: str = "e5a0c3d8b1f4"
down_revision: str | None = "5eed5ea1ed01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

prompt = sa.table(
    "prompt",
    sa.column("reminded_at", savor.sqltypes.UTCDateTime(timezone=True)),
    sa.column("first_reminded_at", savor.sqltypes.UTCDateTime(timezone=True)),
    sa.column("reminders_sent", sa.Integer()),
)


def upgrade() -> None:
    op.add_column(
        "prompt", sa.Column("reminders_sent", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "prompt",
        sa.Column("first_reminded_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
    )
    op.get_bind().execute(
        prompt.update()
        .where(prompt.c.reminded_at.is_not(None))
        .values(reminders_sent=1, first_reminded_at=prompt.c.reminded_at)
    )


def downgrade() -> None:
    op.drop_column("prompt", "first_reminded_at")
    op.drop_column("prompt", "reminders_sent")
