"""Her daily practice reminder time

`participant` gains `practice_reminder_time`: the wall-clock time she chose in the app's
settings for a daily practice reminder, read in her zone; empty until she sets one. A trial's
`practice_reminder` decision rule makes that time a decision point each day.

Revision ID: b7e4c2a9d610
Revises: c0a5e7d1f2b9
Create Date: 2026-12-07 13:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e4c2a9d610"
down_revision: str | None = "c0a5e7d1f2b9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("participant", sa.Column("practice_reminder_time", sa.Time(), nullable=True))


def downgrade() -> None:
    op.drop_column("participant", "practice_reminder_time")
