"""Questionnaire scores: one row per scale of each scored answer set

`questionnaire_score` holds what ema/scoring.py computed when a questionnaire's answers were
stored (in the same transaction as the response): the scale, its score (empty when too many
items were unanswered), band, how many items were answered, declined and missing, whether it
was prorated, and the instrument and scoring versions it was scored by. A new table only;
nothing existing changes. Waves are prompts of kind `wave` and need no column of their own.

Revision ID: 7a3c51e9b2d4
Revises: 7d3a91c4e5b2
Create Date: 2026-12-07 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "7a3c51e9b2d4"
down_revision: str | None = "7d3a91c4e5b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _string(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "questionnaire_score",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("instrument_id", _string(40), nullable=False),
        sa.Column("instrument_version", _string(20), nullable=False),
        sa.Column("scoring_version", sa.Integer(), nullable=False),
        sa.Column("scale_id", _string(30), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("band", _string(30), nullable=True),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("declined", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("prorated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_questionnaire_score_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_questionnaire_score_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_score")),
        sa.UniqueConstraint(
            "response_id", "scale_id", name=op.f("uq_questionnaire_score_response_id_scale_id")
        ),
    )
    with op.batch_alter_table("questionnaire_score", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_questionnaire_score_participant_id"), ["participant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_questionnaire_score_response_id"), ["response_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("questionnaire_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questionnaire_score_response_id"))
        batch_op.drop_index(batch_op.f("ix_questionnaire_score_participant_id"))
    op.drop_table("questionnaire_score")
