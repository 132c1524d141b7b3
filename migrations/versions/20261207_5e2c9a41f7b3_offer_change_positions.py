"""offer change positions

Offers are exported (the `offers` dataset) and pulled incrementally like the other exported
tables, so `offer` gets `seq`, its change position, set by a trigger on insert and again when
she decides (outcome, decided_at): a decided offer comes again in the next pull, as it is now.
The trigger bodies are those of 2240c4ad5ab2 (research/cursor.py explains them). The column
is added in place (no table rebuild on SQLite), so no other trigger is dropped.

(The participant update trigger already fires on `stage` since 5e2c9a4f7b13.)

Revision ID: 5e2c9a41f7b3
Revises: 5e2c9a4f7b13
Create Date: 2026-12-07 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e2c9a41f7b3"
down_revision: str | None = "5e2c9a4f7b13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "outcome, decided_at"


def upgrade() -> None:
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_offer_seq", ["seq", "id"], unique=False)
    # Offers made before this revision come first: position 0, below any horizon.
    op.execute("UPDATE offer SET seq = 0")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER offer_seq_insert BEFORE INSERT ON offer "
            "FOR EACH ROW EXECUTE FUNCTION savor_change_seq()"
        )
        op.execute(
            f"CREATE TRIGGER offer_seq_update BEFORE UPDATE OF {COLUMNS} ON offer "
            "FOR EACH ROW EXECUTE FUNCTION savor_change_seq()"
        )
        return
    body = (
        "BEGIN UPDATE change_counter SET value = value + 1 WHERE id = 1; "
        "UPDATE offer SET seq = (SELECT value FROM change_counter WHERE id = 1) "
        "WHERE rowid = NEW.rowid; END"
    )
    op.execute(f"CREATE TRIGGER offer_seq_insert AFTER INSERT ON offer {body}")
    op.execute(f"CREATE TRIGGER offer_seq_update AFTER UPDATE OF {COLUMNS} ON offer {body}")


def downgrade() -> None:
    on_table = " ON offer" if op.get_bind().dialect.name == "postgresql" else ""
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS offer_seq_{event}" + on_table)
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_index("ix_offer_seq")
        batch_op.drop_column("seq")
