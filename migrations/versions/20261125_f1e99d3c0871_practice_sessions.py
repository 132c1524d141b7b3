"""practice sessions

Revision ID: f1e99d3c0871
Revises: 1b6504dec8b9
Create Date: 2026-11-25 13:04:46.190007
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import savor.sqltypes

revision: str = "f1e99d3c0871"
down_revision: str | None = "1b6504dec8b9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "practice_session",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("practice_id", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("practice_version", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("variant", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("option", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("seconds_practiced", sa.Integer(), nullable=False),
        sa.Column("steps_completed", sa.Integer(), nullable=False),
        sa.Column("trigger", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("prompt_id", sa.Uuid(), nullable=True),
        sa.Column("rule", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("program_week", sa.Integer(), nullable=False),
        sa.Column("protocol_version", sa.Integer(), nullable=False),
        sa.Column("pre_instrument", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column(
            "pre_instrument_version", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True
        ),
        sa.Column("pre", sa.JSON(), nullable=True),
        sa.Column("post_instrument", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column(
            "post_instrument_version", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True
        ),
        sa.Column("post", sa.JSON(), nullable=True),
        sa.Column("body_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("received_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_practice_session_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_session")),
        sa.UniqueConstraint(
            "participant_id", "client_id", name=op.f("uq_practice_session_participant_id_client_id")
        ),
    )
    with op.batch_alter_table("practice_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_practice_session_local_date"), ["local_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_practice_session_participant_id"), ["participant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("practice_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practice_session_participant_id"))
        batch_op.drop_index(batch_op.f("ix_practice_session_local_date"))

    op.drop_table("practice_session")
