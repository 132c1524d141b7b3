"""Delivery receipts on prompts, and device health on push subscriptions

`prompt` gains the times her phone reported the push `delivered`, `shown`, `clicked` and
`dismissed` (each the first receipt of its kind; empty for prompts before this).

`push_subscription` gains what researchers need to tell "she ignored it" from "it never
reached her phone": the push service's `platform` family (backfilled here from each
endpoint's host, as notify/platforms.py reads it), whether the app was `installed`, the
notification `permission`, the `app_version`, and `last_seen_at`, unknown for existing rows
until the app next reports them.

Columns are added in place (no table rebuild), so the prompt's change-position triggers stay;
SQLite drops them in place too since 3.35. A receipt changes what the `prompts` export shows,
so the prompt's update trigger now also fires on the four receipt times: the next incremental
pull brings the prompt again (the trigger bodies are those of 2240c4ad5ab2).

Revision ID: de11a5c0ffee
Revises: 5e2c9a41f7b3
Create Date: 2026-12-07 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import savor.sqltypes

revision: str = "de11a5c0ffee"
down_revision: str | None = "5e2c9a41f7b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECEIPTS = ("delivered_at", "shown_at", "clicked_at", "dismissed_at")
# As notify/platforms.py had them when this was written: a migration never imports app logic.
FAMILIES = (
    ("apple", ("%.push.apple.com/%",)),
    ("google", ("%//fcm.googleapis.com/%", "%//android.googleapis.com/%")),
    ("mozilla", ("%.push.services.mozilla.com/%", "%//push.services.mozilla.com/%")),
    ("microsoft", ("%.notify.windows.com/%",)),
)

# The prompt columns whose change gives her prompt a new change position (2240c4ad5ab2).
PROMPT_CHANGES = (
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
)


def _prompt_update_trigger(columns: Sequence[str]) -> None:
    listed = ", ".join(columns)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER prompt_seq_update ON prompt")
        op.execute(
            f"CREATE TRIGGER prompt_seq_update BEFORE UPDATE OF {listed} ON prompt "
            "FOR EACH ROW EXECUTE FUNCTION savor_change_seq()"
        )
        return
    op.execute("DROP TRIGGER prompt_seq_update")
    op.execute(
        f"CREATE TRIGGER prompt_seq_update AFTER UPDATE OF {listed} ON prompt "
        "BEGIN UPDATE change_counter SET value = value + 1 WHERE id = 1; "
        "UPDATE prompt SET seq = (SELECT value FROM change_counter WHERE id = 1) "
        "WHERE rowid = NEW.rowid; END"
    )


subscription = sa.table(
    "push_subscription", sa.column("endpoint", sa.String()), sa.column("platform", sa.String())
)


def upgrade() -> None:
    for name in RECEIPTS:
        op.add_column(
            "prompt",
            sa.Column(name, savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        )
    op.add_column(
        "push_subscription",
        sa.Column(
            "platform",
            sa.String(length=12),
            server_default="other",
            nullable=False,
        ),
    )
    op.add_column("push_subscription", sa.Column("installed", sa.Boolean(), nullable=True))
    op.add_column("push_subscription", sa.Column("permission", sa.String(length=12), nullable=True))
    op.add_column(
        "push_subscription", sa.Column("app_version", sa.String(length=40), nullable=True)
    )
    op.add_column(
        "push_subscription",
        sa.Column("last_seen_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
    )
    _prompt_update_trigger((*PROMPT_CHANGES, *RECEIPTS))
    bind = op.get_bind()
    for family, patterns in FAMILIES:
        matches = sa.or_(*(sa.func.lower(subscription.c.endpoint).like(p) for p in patterns))
        bind.execute(subscription.update().where(matches).values(platform=family))


def downgrade() -> None:
    _prompt_update_trigger(PROMPT_CHANGES)
    for name in ("last_seen_at", "app_version", "permission", "installed", "platform"):
        op.drop_column("push_subscription", name)
    for name in reversed(RECEIPTS):
        op.drop_column("prompt", name)
