"""Staff alerts: raised with the answer that crossed a crisis threshold, read and acknowledged
by the study team.

The table lives here, in ema, because an alert is written in the same transaction as the
answer that raised it (by the writer thread or the writer process), so it is never stored
without its answer nor lost with it. Research lists and acknowledges alerts, and its webhook
posts them, through this module; nothing else writes them.
"""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, col, select

from savor.errors import AppError
from savor.sqltypes import UTCDateTime
from savor.studies.models import Participant, Study


class StaffAlert(SQLModel, table=True):
    __tablename__ = "staff_alert"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    participant_id: uuid.UUID = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    response_id: uuid.UUID = Field(foreign_key="response.id", ondelete="CASCADE")
    items: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_by: str | None = Field(default=None, max_length=100)


def alerts_for(
    *, session: Session, study: Study, open_only: bool
) -> list[tuple[StaffAlert, Participant]]:
    query = (
        select(StaffAlert, Participant)
        .join(Participant, col(Participant.id) == StaffAlert.participant_id)
        .where(Participant.study_id == study.id)
        .order_by(col(StaffAlert.created_at))
    )
    if open_only:
        query = query.where(col(StaffAlert.acknowledged_at).is_(None))
    return list(session.exec(query).all())


def acknowledge_alert(
    *, session: Session, study: Study, alert_id: uuid.UUID, by: str, now: datetime
) -> tuple[StaffAlert, Participant]:
    found = next(
        (
            pair
            for pair in alerts_for(session=session, study=study, open_only=False)
            if pair[0].id == alert_id
        ),
        None,
    )
    if found is None:
        raise AppError(404, "unknown_alert", "There is no such alert in this study.")
    alert, participant = found
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, by
        session.add(alert)
        session.commit()
        session.refresh(alert)
    return alert, participant
