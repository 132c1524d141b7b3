"""Her devices' push subscriptions, and the shapes her browser sends them in."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from savor.clock import utcnow
from savor.sqltypes import UTCDateTime


class PushSubscription(SQLModel, table=True):
    __tablename__ = "push_subscription"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    participant_id: uuid.UUID = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    endpoint: str = Field(max_length=1000, unique=True)
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failures: int = 0


class SubscriptionIn(SQLModel):
    endpoint: str = Field(max_length=1000)
    keys: dict[str, str]


class SubscriptionRemove(SQLModel):
    endpoint: str = Field(max_length=1000)
