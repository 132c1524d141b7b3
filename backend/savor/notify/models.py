"""Her devices' push subscriptions, and the shapes her browser sends them in."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import field_validator, model_validator
from pydantic_core import PydanticCustomError
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


ReceiptEvent = Literal["delivered", "shown", "clicked", "dismissed"]


class ReceiptEventIn(SQLModel):
    """One thing her phone saw of a notification, in a request that reports several."""

    event: ReceiptEvent
    at: PhoneTime
    # Count it only if the prompt is still open: her phone reports `shown` with `delivered`
    # before showing, and shows the notification only when the answer says it is open.
    if_open: bool = False


class ReceiptIn(SQLModel):
    """What her phone saw of a notification: it arrived, was shown, tapped or swiped away.

    Either one `event` at `at`, or `events`: each kind at most once, so a push's `delivered`
    and `shown` take one request (and one outbox record when she is offline).
    """

    model_config = {
        "json_schema_extra": {
            "examples": [
                {"event": "clicked", "at": "2026-03-02T08:00:05.250-06:00"},
                {
                    "events": [
                        {"event": "delivered", "at": "2026-03-02T08:00:05.250-06:00"},
                        {"event": "shown", "at": "2026-03-02T08:00:05.400-06:00", "if_open": True},
                    ]
                },
            ]
        }
    }

    event: ReceiptEvent | None = None
    at: PhoneTime | None = None
    events: list[ReceiptEventIn] | None = Field(default=None, min_length=1, max_length=4)

    @field_validator("events")
    @classmethod
    def _each_kind_once(cls, events: list[ReceiptEventIn] | None) -> list[ReceiptEventIn] | None:
        kinds = [e.event for e in events or []]
        if len(set(kinds)) != len(kinds):
            raise PydanticCustomError("duplicate_event", "each event may be sent once")
        return events

    @model_validator(mode="after")
    def _one_form(self) -> "ReceiptIn":
        single = self.event is not None or self.at is not None
        if single == (self.events is not None):
            raise PydanticCustomError(
                "receipt_form", "send either event and at, or events (a list), not both"
            )
        if single and (self.event is None or self.at is None):
            raise PydanticCustomError("receipt_form", "event and at go together")
        return self

    def reported(self) -> list[ReceiptEventIn]:
        """Every receipt in the request, whichever form it came in."""
        if self.events is not None:
            return self.events
        assert self.event is not None and self.at is not None
        return [ReceiptEventIn(event=self.event, at=self.at)]
