"""participant state history

`participant_state` keeps her zone, stage and waking window from each moment on: one row
when she joins and one per change (studies/history.py). Exports read each record's time zone
from it at the record's own moment, and list it as the `participant_states` dataset.

Backfill: nobody recorded earlier changes, so each existing participant gets one row at her
`enrolled_at` holding her settings now; her earlier records keep the zone she has now, as
exports showed them before.

The new table gets its change-position trigger (insert only: a state is never updated),
as in migration 2240c4ad5ab2, and the participant's update trigger also fires on `stage`,
which the participants export now carries.

Revision ID: 5e2c9a4f7b13
Revises: 4b7e2c9d1a05
Create Date: 2026-12-07 10:45:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import savor.sqltypes

revision: str = "5e2c9a4f7b13"
down_revision: str | None = "4b7e2c9d1a05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTICIPANT_BEFORE = ("timezone", "language", "enrolled_at", "withdrawn_at")
PARTICIPANT_AFTER = (*PARTICIPANT_BEFORE, "stage")
COUNTER_BODY = (
    "BEGIN UPDATE change_counter SET value = value + 1 WHERE id = 1; "
    "UPDATE {table} SET seq = (SELECT value FROM change_counter WHERE id = 1) "
    "WHERE rowid = NEW.rowid; END"
)

participant = sa.table(
    "participant",
    sa.column("id", sa.Uuid()),
    sa.column("enrolled_at", savor.sqltypes.UTCDateTime(timezone=True)),
    sa.column("timezone", sa.String()),
    sa.column("stage", sa.String()),
    sa.column("wake_time", sa.Time()),
    sa.column("sleep_time", sa.Time()),
)


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _participant_update_trigger(columns: tuple[str, ...]) -> None:
    if _postgresql():
        op.execute("DROP TRIGGER IF EXISTS participant_seq_update ON participant")
        op.execute(
            f"CREATE TRIGGER participant_seq_update BEFORE UPDATE OF {', '.join(columns)} "
            "ON participant FOR EACH ROW EXECUTE FUNCTION savor_change_seq()"
        )
    else:
        op.execute("DROP TRIGGER IF EXISTS participant_seq_update")
        op.execute(
            f"CREATE TRIGGER participant_seq_update AFTER UPDATE OF {', '.join(columns)} "
            f"ON participant {COUNTER_BODY.format(table='participant')}"
        )


def upgrade() -> None:
    table = op.create_table(
        "participant_state",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("wake_time", sa.Time(), nullable=False),
        sa.Column("sleep_time", sa.Time(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_participant_state_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_state")),
    )
    op.create_index("ix_participant_state_seq", "participant_state", ["seq", "id"])
    op.create_index(
        "ix_participant_state_participant_id_at", "participant_state", ["participant_id", "at"]
    )

    bind = op.get_bind()
    people = bind.execute(
        sa.select(
            participant.c.id,
            participant.c.enrolled_at,
            participant.c.timezone,
            participant.c.stage,
            participant.c.wake_time,
            participant.c.sleep_time,
        )
    ).all()
    rows = [
        {
            "id": uuid.uuid4(),
            "participant_id": p.id,
            "at": p.enrolled_at,
            "timezone": p.timezone,
            "stage": p.stage,
            "wake_time": p.wake_time,
            "sleep_time": p.sleep_time,
            # Written before this revision: position 0, below any horizon.
            "seq": 0,
        }
        for p in people
    ]
    if rows:
        op.bulk_insert(table, rows)

    if _postgresql():
        op.execute(
            "CREATE TRIGGER participant_state_seq_insert BEFORE INSERT ON participant_state "
            "FOR EACH ROW EXECUTE FUNCTION savor_change_seq()"
        )
    else:
        op.execute(
            "CREATE TRIGGER participant_state_seq_insert AFTER INSERT ON participant_state "
            + COUNTER_BODY.format(table="participant_state")
        )
    _participant_update_trigger(PARTICIPANT_AFTER)


def downgrade() -> None:
    _participant_update_trigger(PARTICIPANT_BEFORE)
    on_table = " ON participant_state" if _postgresql() else ""
    op.execute("DROP TRIGGER IF EXISTS participant_state_seq_insert" + on_table)
    op.drop_index("ix_participant_state_participant_id_at", table_name="participant_state")
    op.drop_index("ix_participant_state_seq", table_name="participant_state")
    op.drop_table("participant_state")
