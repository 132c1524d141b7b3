"""Staff accounts: roles per study, sessions, recovery codes, setup links; personal tokens

New tables for a study team's personal accounts (research/staff). `research_token` gains
`staff_id` (the person who made it while signed in; none for command-line tokens) and
`expires_at` (personal tokens always expire). `study.staff_two_factor` says whether its team
must sign in with a TOTP code: on for every study, existing ones included, as for new ones.

Columns are added in place; research_token's new foreign key rebuilds it in batch mode on
SQLite (it has no triggers to lose).

Revision ID: 4b7e2c9d1a05
Revises: 8d3e5b7a21c4
Create Date: 2026-12-07 10:14:09
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import savor.sqltypes

revision: str = "4b7e2c9d1a05"
down_revision: str | None = "8d3e5b7a21c4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _string(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _at(name: str, *, nullable: bool) -> sa.Column:
    return sa.Column(name, savor.sqltypes.UTCDateTime(timezone=True), nullable=nullable)


def _staff_id(table: str) -> list[sa.Column | sa.ForeignKeyConstraint]:
    return [
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_account.id"], name=op.f(f"fk_{table}_staff_id_staff_account")
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "staff_account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", _string(254), nullable=False),
        sa.Column("display_name", _string(200), nullable=False),
        sa.Column("password_hash", _string(200), nullable=True),
        sa.Column("totp_secret", _string(64), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        _at("locked_at", nullable=True),
        _at("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_account")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_account_email")),
    )
    op.create_table(
        "staff_role",
        *_staff_id("staff_role"),
        sa.Column("study_id", sa.Uuid(), nullable=False),
        sa.Column("role", _string(32), nullable=False),
        sa.Column("granted_by", _string(300), nullable=False),
        _at("granted_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["study.id"],
            name=op.f("fk_staff_role_study_id_study"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("staff_id", "study_id", name=op.f("pk_staff_role")),
    )
    op.create_table(
        "staff_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        *_staff_id("staff_session"),
        sa.Column("token_hash", _string(64), nullable=False),
        sa.Column("csrf_hash", _string(64), nullable=False),
        sa.Column("two_factor", sa.Boolean(), nullable=False),
        _at("created_at", nullable=False),
        _at("last_seen_at", nullable=False),
        _at("ended_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_session_token_hash")),
    )
    op.create_table(
        "staff_recovery_code",
        sa.Column("id", sa.Uuid(), nullable=False),
        *_staff_id("staff_recovery_code"),
        sa.Column("code_hash", _string(64), nullable=False),
        _at("used_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_recovery_code")),
    )
    op.create_table(
        "staff_setup_link",
        sa.Column("id", sa.Uuid(), nullable=False),
        *_staff_id("staff_setup_link"),
        sa.Column("token_hash", _string(64), nullable=False),
        sa.Column("totp_secret", _string(64), nullable=False),
        sa.Column("created_by", _string(300), nullable=False),
        _at("created_at", nullable=False),
        _at("expires_at", nullable=False),
        _at("used_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_setup_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_setup_link_token_hash")),
    )
    for table in ("staff_session", "staff_recovery_code", "staff_setup_link"):
        op.create_index(op.f(f"ix_{table}_staff_id"), table, ["staff_id"], unique=False)

    with op.batch_alter_table("research_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_id", sa.Uuid(), nullable=True))
        batch_op.add_column(_at("expires_at", nullable=True))
        batch_op.create_index(batch_op.f("ix_research_token_staff_id"), ["staff_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_research_token_staff_id_staff_account"),
            "staff_account",
            ["staff_id"],
            ["id"],
        )
    op.add_column(
        "study",
        sa.Column("staff_two_factor", sa.Boolean(), server_default=sa.true(), nullable=False),
    )


def downgrade() -> None:
    # SQLite drops a column in place since 3.35; no rebuild.
    op.drop_column("study", "staff_two_factor")
    with op.batch_alter_table("research_token", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_research_token_staff_id_staff_account"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_research_token_staff_id"))
        batch_op.drop_column("expires_at")
        batch_op.drop_column("staff_id")
    for table in ("staff_setup_link", "staff_recovery_code", "staff_session"):
        op.drop_index(op.f(f"ix_{table}_staff_id"), table_name=table)
    for table in (
        "staff_setup_link",
        "staff_recovery_code",
        "staff_session",
        "staff_role",
        "staff_account",
    ):
        op.drop_table(table)
