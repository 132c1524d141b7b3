"""prompts, responses, offers, alerts and push subscriptions

Revision ID: 2f99e474739f
Revises: f1e99d3c0871
Create Date: 2026-11-25 13:13:58.508760
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import savor.sqltypes

revision: str = "2f99e474739f"
down_revision: str | None = "f1e99d3c0871"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instrument_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("instrument_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instrument_version")),
        sa.UniqueConstraint(
            "instrument_id", "version", name=op.f("uq_instrument_version_instrument_id_version")
        ),
    )
    op.create_table(
        "prompt",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("schedule_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("instrument_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column(
            "instrument_version", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False
        ),
        sa.Column("protocol_version", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("scheduled_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("remind_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opened_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expired_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_late", sa.Boolean(), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("claimed_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("send_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("pushed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_prompt_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt")),
        sa.UniqueConstraint(
            "participant_id",
            "schedule_id",
            "local_date",
            "slot",
            name=op.f("uq_prompt_participant_id_schedule_id_local_date_slot"),
        ),
    )
    with op.batch_alter_table("prompt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prompt_participant_id"), ["participant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_prompt_scheduled_at"), ["scheduled_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_prompt_status"), ["status"], unique=False)

    op.create_table(
        "push_subscription",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("endpoint", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("p256dh", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("auth", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_success_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_push_subscription_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscription")),
        sa.UniqueConstraint("endpoint", name=op.f("uq_push_subscription_endpoint")),
    )
    with op.batch_alter_table("push_subscription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_push_subscription_participant_id"), ["participant_id"], unique=False
        )

    op.create_table(
        "response",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("prompt_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("instrument_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column(
            "instrument_version", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False
        ),
        sa.Column(
            "instrument_fingerprint", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False
        ),
        sa.Column("protocol_version", sa.Integer(), nullable=False),
        sa.Column("started_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("body_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_response_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"], ["prompt.id"], name=op.f("fk_response_prompt_id_prompt")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response")),
        sa.UniqueConstraint(
            "participant_id", "client_id", name=op.f("uq_response_participant_id_client_id")
        ),
    )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_response_participant_id"), ["participant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_response_prompt_id"), ["prompt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_response_received_at"), ["received_at"], unique=False)

    op.create_table(
        "offer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("rule", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("practice_id", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("offered_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_offer_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_offer_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer")),
    )
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_offer_participant_id"), ["participant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_offer_response_id"), ["response_id"], unique=False)

    op.create_table(
        "response_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("declined", sa.Boolean(), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_response_item_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_item")),
    )
    with op.batch_alter_table("response_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_response_item_response_id"), ["response_id"], unique=False
        )

    op.create_table(
        "staff_alert",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_staff_alert_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_staff_alert_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_alert")),
    )
    with op.batch_alter_table("staff_alert", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_alert_participant_id"), ["participant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_alert_participant_id"))

    op.drop_table("staff_alert")
    with op.batch_alter_table("response_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_item_response_id"))

    op.drop_table("response_item")
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_response_id"))
        batch_op.drop_index(batch_op.f("ix_offer_participant_id"))

    op.drop_table("offer")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_received_at"))
        batch_op.drop_index(batch_op.f("ix_response_prompt_id"))
        batch_op.drop_index(batch_op.f("ix_response_participant_id"))

    op.drop_table("response")
    with op.batch_alter_table("push_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_push_subscription_participant_id"))

    op.drop_table("push_subscription")
    with op.batch_alter_table("prompt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prompt_status"))
        batch_op.drop_index(batch_op.f("ix_prompt_scheduled_at"))
        batch_op.drop_index(batch_op.f("ix_prompt_participant_id"))

    op.drop_table("prompt")
    op.drop_table("instrument_version")
