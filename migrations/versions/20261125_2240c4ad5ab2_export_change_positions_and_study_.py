"""export change positions and study webhooks

Every exported table gets `seq`, its change position, set by a trigger on each write an
export can see, so that no code path (ORM, bulk UPDATE, batched writer) can forget it. On
PostgreSQL it is the writing transaction's id; on SQLite, one writer at a time, a counter
bumped inside the writing transaction. research/cursor.py explains how `since` uses it.
A later batch migration that recreates one of these tables on SQLite drops its triggers:
re-create them there (tests/research/test_cursor.py checks that they exist at head).

Revision ID: 2240c4ad5ab2
Revises: 2f99e474739f
Create Date: 2026-11-25 13:28:03.623471
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import savor.sqltypes

revision: str = "2240c4ad5ab2"
down_revision: str | None = "2f99e474739f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns whose change an export shows; responses and practice sessions are never updated.
TRIGGERED: dict[str, tuple[str, ...]] = {
    "participant": ("timezone", "language", "enrolled_at", "withdrawn_at"),
    "prompt": (
        "schedule_id",
        "kind",
        "instrument_id",
        "instrument_version",
        "protocol_version",
        "local_date",
        "status",
        "scheduled_at",
        "expires_at",
        "sent_at",
        "reminded_at",
        "opened_at",
        "completed_at",
        "expired_at",
        "cancelled_at",
        "answered_late",
    ),
    "response": (),
    "practice_session": (),
}


def _on_table(table: str) -> str:
    # PostgreSQL names a trigger within its table; SQLite names it within the schema.
    return f" ON {table}" if op.get_bind().dialect.name == "postgresql" else ""


def _create_postgresql_triggers() -> None:
    op.execute(
        """
        CREATE FUNCTION savor_change_seq() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.seq := pg_current_xact_id()::text::bigint;
            RETURN NEW;
        END
        $$
        """
    )
    for table, columns in TRIGGERED.items():
        op.execute(
            f"CREATE TRIGGER {table}_seq_insert BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION savor_change_seq()"
        )
        if columns:
            op.execute(
                f"CREATE TRIGGER {table}_seq_update BEFORE UPDATE OF {', '.join(columns)} "
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION savor_change_seq()"
            )


def _create_sqlite_triggers() -> None:
    for table, columns in TRIGGERED.items():
        body = (
            "BEGIN UPDATE change_counter SET value = value + 1 WHERE id = 1; "
            f"UPDATE {table} SET seq = (SELECT value FROM change_counter WHERE id = 1) "
            "WHERE rowid = NEW.rowid; END"
        )
        op.execute(f"CREATE TRIGGER {table}_seq_insert AFTER INSERT ON {table} {body}")
        if columns:
            op.execute(
                f"CREATE TRIGGER {table}_seq_update AFTER UPDATE OF {', '.join(columns)} "
                f"ON {table} {body}"
            )


def upgrade() -> None:
    op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_counter")),
    )
    op.create_table(
        "study_webhook",
        sa.Column("study_id", sa.Uuid(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("secret", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("created_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["study.id"],
            name=op.f("fk_study_webhook_study_id_study"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("study_id", name=op.f("pk_study_webhook")),
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["staff_alert.id"],
            name=op.f("fk_webhook_delivery_alert_id_staff_alert"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_webhook_delivery")),
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_delivery_next_attempt_at"), ["next_attempt_at"], unique=False
        )

    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_participant_seq", ["seq", "id"], unique=False)

    with op.batch_alter_table("practice_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_practice_session_seq", ["seq", "id"], unique=False)

    with op.batch_alter_table("prompt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_prompt_seq", ["seq", "id"], unique=False)

    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_response_seq", ["seq", "id"], unique=False)

    for table in TRIGGERED:
        # Rows written before this revision come first: position 0, below any horizon.
        op.execute(f"UPDATE {table} SET seq = 0")
    if op.get_bind().dialect.name == "postgresql":
        _create_postgresql_triggers()
    else:
        op.execute("INSERT INTO change_counter (id, value) VALUES (1, 0)")
        _create_sqlite_triggers()


def downgrade() -> None:
    for table in TRIGGERED:
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_seq_{event}" + _on_table(table))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS savor_change_seq()")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index("ix_response_seq")
        batch_op.drop_column("seq")

    with op.batch_alter_table("prompt", schema=None) as batch_op:
        batch_op.drop_index("ix_prompt_seq")
        batch_op.drop_column("seq")

    with op.batch_alter_table("practice_session", schema=None) as batch_op:
        batch_op.drop_index("ix_practice_session_seq")
        batch_op.drop_column("seq")

    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_index("ix_participant_seq")
        batch_op.drop_column("seq")

    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_delivery_next_attempt_at"))

    op.drop_table("webhook_delivery")
    op.drop_table("study_webhook")
    op.drop_table("change_counter")
