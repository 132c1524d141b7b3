"""decision points of a micro-randomized trial

`decision`: one row per decision point of a study's `decisions` block (ema/decisions),
written before its offer is shown: the rule, stratum, availability and why not, the declared
probabilities, the seeded draw and the option drawn, the proximal window and the follow-up
prompt scheduled for it. Exported as the `decisions` dataset, so it gets `seq`, its change
position, set by a trigger on insert (the trigger bodies are those of 2240c4ad5ab2; research/
cursor.py explains them). A decision is never updated: what followed is read from the offer,
practice session and response tables.

Revision ID: 7d3a91c4e5b2
Revises: 7a1d3c5e9b20
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import savor.sqltypes

revision: str = "7d3a91c4e5b2"
down_revision: str | None = "7a1d3c5e9b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTER_BODY = (
    "BEGIN UPDATE change_counter SET value = value + 1 WHERE id = 1; "
    "UPDATE decision SET seq = (SELECT value FROM change_counter WHERE id = 1) "
    "WHERE rowid = NEW.rowid; END"
)


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "decision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("point", _text(80), nullable=False),
        sa.Column("rule", _text(24), nullable=False),
        sa.Column("kind", _text(12), nullable=False),
        sa.Column("protocol_version", sa.Integer(), nullable=False),
        sa.Column("decided_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("stratum", _text(24), nullable=True),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("unavailable_reason", _text(16), nullable=True),
        sa.Column("probabilities", sa.JSON(), nullable=False),
        sa.Column("draw", sa.Float(), nullable=True),
        sa.Column("option", _text(24), nullable=True),
        sa.Column("practice_id", _text(8), nullable=True),
        sa.Column("response_id", sa.Uuid(), nullable=True),
        sa.Column("follow_up_prompt_id", sa.Uuid(), nullable=True),
        sa.Column("window_start", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_end", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["follow_up_prompt_id"],
            ["prompt.id"],
            name=op.f("fk_decision_follow_up_prompt_id_prompt"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_decision_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_decision_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision")),
        sa.UniqueConstraint(
            "participant_id", "point", name=op.f("uq_decision_participant_id_point")
        ),
    )
    op.create_index("ix_decision_seq", "decision", ["seq", "id"])
    op.create_index(op.f("ix_decision_participant_id"), "decision", ["participant_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER decision_seq_insert BEFORE INSERT ON decision "
            "FOR EACH ROW EXECUTE FUNCTION savor_change_seq()"
        )
    else:
        op.execute(f"CREATE TRIGGER decision_seq_insert AFTER INSERT ON decision {COUNTER_BODY}")


def downgrade() -> None:
    on_table = " ON decision" if op.get_bind().dialect.name == "postgresql" else ""
    op.execute("DROP TRIGGER IF EXISTS decision_seq_insert" + on_table)
    op.drop_index(op.f("ix_decision_participant_id"), table_name="decision")
    op.drop_index("ix_decision_seq", table_name="decision")
    op.drop_table("decision")
