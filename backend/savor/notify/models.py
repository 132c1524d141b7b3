"""Her devices' push subscriptions, and the shapes her browser sends them in."""

import uuid
from datetime import datetime
from typing import Literal

from sqlmodel import Field, SQLModel

from savor.clock import utcnow
from savor.phone_time import PhoneTime
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
    # Device health, for researchers: the push service's family (from the endpoint's host,
    # never the user agent), and what the app last said about itself.
    platform: str = Field(
        default="other", max_length=12, sa_column_kwargs={"server_default": "other"}
    )
    installed: bool | None = None
    permission: str | None = Field(default=None, max_length=12)
    app_version: str | None = Field(default=None, max_length=40)
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SubscriptionIn(SQLModel):
    endpoint: str = Field(max_length=1000)
    keys: dict[str, str]
    installed: bool | None = None
    permission: Literal["granted", "denied", "default"] | None = None
    app_version: str | None = Field(default=None, max_length=40)


class SubscriptionRemove(SQLModel):
    endpoint: str = Field(max_length=1000)


class ReceiptIn(SQLModel):
    """What her phone saw of a notification: it arrived, was shown, tapped or swiped away."""

    event: Literal["delivered", "shown", "clicked", "dismissed"]
    at: PhoneTime
