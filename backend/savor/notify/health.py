"""Whether notifications reach her: the flag researchers see before she is called "non-compliant".

`failing` when she has no device, when every device's last 3 pushes were refused, or when
her last three pushed prompts got no `delivered` receipt within their open window. Read from
the prompts each time, so the next receipt clears it with nothing to reset.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from savor.ema.models import Prompt
from savor.notify.models import PushSubscription

UNACKNOWLEDGED = 3


class DeviceHealth(BaseModel):
    """One of her devices as researchers see it: never its endpoint, keys or user agent."""

    platform: str
    installed: bool | None
    permission: str | None
    app_version: str | None
    last_seen_at: datetime | None
    last_success_at: datetime | None
    failures: int


class NotificationHealth(BaseModel):
    notifications: Literal["ok", "failing", "stopped"]
    reason: Literal["no_device", "push_refused", "no_receipts"] | None = None
    devices: list[DeviceHealth] = []


STOPPED = NotificationHealth(notifications="stopped")


def _device(row: Any) -> DeviceHealth:
    return DeviceHealth.model_validate(row, from_attributes=True)


def _acknowledged(prompt: Any) -> bool:
    return prompt.delivered_at is not None and prompt.delivered_at <= prompt.expires_at


def judge(devices: list[Any], pushes: list[Any]) -> NotificationHealth:
    """`pushes`: her pushed prompts whose window closed or that got a receipt, newest first
    (the last few are enough)."""
    seen = [_device(d) for d in devices]
    if not devices:
        return NotificationHealth(notifications="failing", reason="no_device")
    # One refused push is often passing (a busy push service); three in a row on every device
    # is not.
    if all(d.failures >= UNACKNOWLEDGED for d in devices):
        return NotificationHealth(notifications="failing", reason="push_refused", devices=seen)
    recent = pushes[:UNACKNOWLEDGED]
    if len(recent) == UNACKNOWLEDGED and not any(_acknowledged(p) for p in recent):
        return NotificationHealth(notifications="failing", reason="no_receipts", devices=seen)
    return NotificationHealth(notifications="ok", devices=seen)


def notification_health(
    *, session: Session, participant_ids: Iterable[Any], now: datetime
) -> dict[Any, NotificationHealth]:
    """Each participant's flag, from two reads however many participants there are."""
    ids = list(participant_ids)
    devices: dict[Any, list[Any]] = defaultdict(list)
    for device in session.exec(
        select(PushSubscription).where(col(PushSubscription.participant_id).in_(ids))
    ):
        devices[device.participant_id].append(device)
    # A prompt still open without a receipt is not yet evidence either way.
    settled = (col(Prompt.expires_at) <= now) | col(Prompt.delivered_at).is_not(None)
    # Only her last few pushes count: the database ranks them, so only those come back.
    newest = func.row_number().over(
        partition_by=Prompt.participant_id, order_by=col(Prompt.scheduled_at).desc()
    )
    ranked = (
        select(Prompt.participant_id, Prompt.delivered_at, Prompt.expires_at, newest.label("n"))
        .where(col(Prompt.participant_id).in_(ids))
        .where(col(Prompt.pushed) > 0)
        .where(settled)
        .subquery()
    )
    pushes: dict[Any, list[Any]] = defaultdict(list)
    for push in session.execute(
        select(ranked.c.participant_id, ranked.c.delivered_at, ranked.c.expires_at)
        .where(ranked.c.n <= UNACKNOWLEDGED)
        .order_by(ranked.c.participant_id, ranked.c.n)
    ):
        pushes[push.participant_id].append(push)
    return {pid: judge(devices[pid], pushes[pid]) for pid in ids}
