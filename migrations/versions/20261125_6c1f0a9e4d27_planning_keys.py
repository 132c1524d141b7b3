"""What each participant's prompts were planned from, and when a study was last planned

The daily planning run adds only the days that are new for a participant whose plan key still
matches her settings and protocol, instead of re-deriving and re-reading every planned day.
Columns are added in place (no table rebuild), so the change-position triggers stay.

Revision ID: 6c1f0a9e4d27
Revises: 2240c4ad5ab2
Create Date: 2026-11-25 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import savor.sqltypes

revision: str = "6c1f0a9e4d27"
down_revision: str | None = "2240c4ad5ab2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "participant",
        sa.Column("plan_key", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    )
    op.add_column("participant", sa.Column("planned_through", sa.Date(), nullable=True))
    op.add_column(
        "study",
        sa.Column("planned_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    # SQLite drops a column in place since 3.35; no rebuild, so the triggers stay here too.
    op.drop_column("study", "planned_at")
    op.drop_column("participant", "planned_through")
    op.drop_column("participant", "plan_key")
