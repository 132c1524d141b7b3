"""studies, participants, tokens and audit

Revision ID: 1b6504dec8b9
Revises: (none: the first schema)
Create Date: 2026-11-25 12:54:55.076494
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import savor.sqltypes

revision: str = "1b6504dec8b9"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "study",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("secret", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("active_protocol_version", sa.Integer(), nullable=False),
        sa.Column("created_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study")),
    )
    with op.batch_alter_table("study", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_study_slug"), ["slug"], unique=True)

    op.create_table(
        "enrollment_code",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("study_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["study.id"],
            name=op.f("fk_enrollment_code_study_id_study"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollment_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_enrollment_code_code_hash")),
    )
    with op.batch_alter_table("enrollment_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrollment_code_study_id"), ["study_id"], unique=False)

    op.create_table(
        "participant",
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("wake_time", sa.Time(), nullable=False),
        sa.Column("sleep_time", sa.Time(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("study_id", sa.Uuid(), nullable=False),
        sa.Column("enrolled_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["study.id"],
            name=op.f("fk_participant_study_id_study"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant")),
    )
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_participant_study_id"), ["study_id"], unique=False)

    op.create_table(
        "protocol",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("study_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["study_id"], ["study.id"], name=op.f("fk_protocol_study_id_study"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocol")),
        sa.UniqueConstraint("study_id", "version", name=op.f("uq_protocol_study_id_version")),
    )
    with op.batch_alter_table("protocol", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_protocol_study_id"), ["study_id"], unique=False)

    op.create_table(
        "research_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("study_id", sa.Uuid(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("scopes", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["study.id"],
            name=op.f("fk_research_token_study_id_study"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_research_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_research_token_token_hash")),
    )
    with op.batch_alter_table("research_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_research_token_study_id"), ["study_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("study_id", sa.Uuid(), nullable=False),
        sa.Column("token_id", sa.Uuid(), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["study.id"],
            name=op.f("fk_audit_event_study_id_study"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["token_id"], ["research_token.id"], name=op.f("fk_audit_event_token_id_research_token")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_study_id"), ["study_id"], unique=False)

    op.create_table(
        "participant_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_participant_token_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_participant_token_token_hash")),
    )
    with op.batch_alter_table("participant_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participant_token_participant_id"), ["participant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("participant_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_token_participant_id"))

    op.drop_table("participant_token")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_study_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")
    with op.batch_alter_table("research_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_research_token_study_id"))

    op.drop_table("research_token")
    with op.batch_alter_table("protocol", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protocol_study_id"))

    op.drop_table("protocol")
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_study_id"))

    op.drop_table("participant")
    with op.batch_alter_table("enrollment_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrollment_code_study_id"))

    op.drop_table("enrollment_code")
    with op.batch_alter_table("study", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_study_slug"))

    op.drop_table("study")
