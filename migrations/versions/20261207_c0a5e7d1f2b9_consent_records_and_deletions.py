"""Consent records and deletions at her request

`participant.consent_version` is the consent version she last agreed to (none for who joined
before consent was versioned: she is asked at her next visit). `consent_record` keeps each
agreement (version, when, the switches it covers, what a deletion would remove, when she
withdrew) and `participant_deletion` the pseudonyms deleted at their request, so copies of
exports can follow. Both get change positions as in migration 2240c4ad5ab2: a consent record
on insert and when `withdrawn_at` changes, a deletion on insert.

Revision ID: c0a5e7d1f2b9
Revises: 7a3c51e9b2d4
Create Date: 2026-12-07 12:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import savor.sqltypes

revision: str = "c0a5e7d1f2b9"
down_revision: str | None = "7a3c51e9b2d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTER_BODY = (
    "BEGIN UPDATE change_counter SET value = value + 1 WHERE id = 1; "
    "UPDATE {table} SET seq = (SELECT value FROM change_counter WHERE id = 1) "
    "WHERE rowid = NEW.rowid; END"
)
TRIGGERED = {"consent_record": ("withdrawn_at",), "participant_deletion": ()}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _create_triggers(table: str, columns: tuple[str, ...]) -> None:
    if _postgresql():
        op.execute(
            f"CREATE TRIGGER {table}_seq_insert BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION savor_change_seq()"
        )
        if columns:
            op.execute(
                f"CREATE TRIGGER {table}_seq_update BEFORE UPDATE OF {', '.join(columns)} "
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION savor_change_seq()"
            )
        return
    body = COUNTER_BODY.format(table=table)
    op.execute(f"CREATE TRIGGER {table}_seq_insert AFTER INSERT ON {table} {body}")
    if columns:
        op.execute(
            f"CREATE TRIGGER {table}_seq_update AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} {body}"
        )


def upgrade() -> None:
    op.add_column("participant", sa.Column("consent_version", sa.Integer(), nullable=True))
    op.create_table(
        "consent_record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("protocol_version", sa.Integer(), nullable=False),
        sa.Column("agreed_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("on_deletion", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_consent_record_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_record")),
    )
    op.create_index(op.f("ix_consent_record_participant_id"), "consent_record", ["participant_id"])
    op.create_index("ix_consent_record_seq", "consent_record", ["seq", "id"])
    op.create_table(
        "participant_deletion",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("study_id", sa.Uuid(), nullable=False),
        sa.Column("pseudonym", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("deleted_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["study.id"],
            name=op.f("fk_participant_deletion_study_id_study"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_deletion")),
    )
    op.create_index(op.f("ix_participant_deletion_study_id"), "participant_deletion", ["study_id"])
    op.create_index("ix_participant_deletion_seq", "participant_deletion", ["seq", "id"])
    for table, columns in TRIGGERED.items():
        _create_triggers(table, columns)


def downgrade() -> None:
    for table, columns in TRIGGERED.items():
        on_table = f" ON {table}" if _postgresql() else ""
        op.execute(f"DROP TRIGGER IF EXISTS {table}_seq_insert{on_table}")
        if columns:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_seq_update{on_table}")
    op.drop_index("ix_participant_deletion_seq", table_name="participant_deletion")
    op.drop_index(op.f("ix_participant_deletion_study_id"), table_name="participant_deletion")
    op.drop_table("participant_deletion")
    op.drop_index("ix_consent_record_seq", table_name="consent_record")
    op.drop_index(op.f("ix_consent_record_participant_id"), table_name="consent_record")
    op.drop_table("consent_record")
    op.drop_column("participant", "consent_version")
