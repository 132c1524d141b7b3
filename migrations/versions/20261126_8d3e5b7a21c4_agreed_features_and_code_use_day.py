"""What each participant agreed to, and only the day an enrollment code was used

`participant.agreed_features` holds the consent switches of the protocol she joined under
(staff alerts, sensitive and medication items, free text to the server, date shifting; see
studies/consent.py) and `agreed_protocol_version` that protocol's version. A later protocol
turns none of them on for her until she agrees again.

Backfill, best effort: nobody recorded what existing participants were shown when they
joined, so each gets her study's active protocol's switches and version as they are now. For
someone who joined before a switch was turned on this keeps it on for her, as it already was;
a study that knows better sets her row by hand.

`enrollment_code.used_at` (to the microsecond, so equal to her `enrolled_at`: a code list plus
the database named her) becomes `used_on`, the UTC day; existing values keep their UTC date.

Participant columns are added in place (no table rebuild), so her change-position triggers
stay; enrollment_code has none and is rebuilt in batch mode on SQLite.

Revision ID: 8d3e5b7a21c4
Revises: 6c1f0a9e4d27
Create Date: 2026-11-26 10:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime, time

import sqlalchemy as sa
from alembic import op

import savor.sqltypes

revision: str = "8d3e5b7a21c4"
down_revision: str | None = "6c1f0a9e4d27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As studies/consent.py had them when this was written: a migration never imports app logic.
CONSENTED = (
    "staff_alerts",
    "sensitive_use_item",
    "medication_item",
    "free_text_to_server",
    "date_shift_exports",
)

study = sa.table(
    "study", sa.column("id", sa.Uuid()), sa.column("active_protocol_version", sa.Integer())
)
protocol = sa.table(
    "protocol",
    sa.column("study_id", sa.Uuid()),
    sa.column("version", sa.Integer()),
    sa.column("document", sa.JSON()),
)
participant = sa.table(
    "participant",
    sa.column("study_id", sa.Uuid()),
    sa.column("agreed_features", sa.JSON()),
    sa.column("agreed_protocol_version", sa.Integer()),
)
code = sa.table(
    "enrollment_code",
    sa.column("id", sa.Uuid()),
    sa.column("used_at", savor.sqltypes.UTCDateTime(timezone=True)),
    sa.column("used_on", sa.Date()),
)


def _backfill_agreed() -> None:
    bind = op.get_bind()
    active = bind.execute(
        sa.select(study.c.id, study.c.active_protocol_version, protocol.c.document).join(
            protocol,
            sa.and_(
                protocol.c.study_id == study.c.id,
                protocol.c.version == study.c.active_protocol_version,
            ),
        )
    ).all()
    for study_id, version, document in active:
        features = (document or {}).get("features") or {}
        agreed = {name: bool(features.get(name, False)) for name in CONSENTED}
        bind.execute(
            participant.update()
            .where(participant.c.study_id == study_id)
            .values(agreed_features=agreed, agreed_protocol_version=version)
        )


def upgrade() -> None:
    op.add_column(
        "participant",
        sa.Column("agreed_features", sa.JSON(), server_default="{}", nullable=False),
    )
    op.add_column("participant", sa.Column("agreed_protocol_version", sa.Integer(), nullable=True))
    _backfill_agreed()

    op.add_column("enrollment_code", sa.Column("used_on", sa.Date(), nullable=True))
    bind = op.get_bind()
    used = bind.execute(sa.select(code.c.id, code.c.used_at).where(code.c.used_at.is_not(None)))
    for code_id, used_at in used.all():
        day = used_at.astimezone(UTC).date()
        bind.execute(code.update().where(code.c.id == code_id).values(used_on=day))
    with op.batch_alter_table("enrollment_code", schema=None) as batch_op:
        batch_op.drop_column("used_at")


def downgrade() -> None:
    op.add_column(
        "enrollment_code",
        sa.Column("used_at", savor.sqltypes.UTCDateTime(timezone=True), nullable=True),
    )
    bind = op.get_bind()
    used = bind.execute(sa.select(code.c.id, code.c.used_on).where(code.c.used_on.is_not(None)))
    for code_id, day in used.all():
        at = datetime.combine(day, time(0, 0), tzinfo=UTC)  # the day is all that was kept
        bind.execute(code.update().where(code.c.id == code_id).values(used_at=at))
    with op.batch_alter_table("enrollment_code", schema=None) as batch_op:
        batch_op.drop_column("used_on")

    # SQLite drops a column in place since 3.35; no rebuild, so the triggers stay.
    op.drop_column("participant", "agreed_protocol_version")
    op.drop_column("participant", "agreed_features")
