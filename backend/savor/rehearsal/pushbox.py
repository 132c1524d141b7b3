"""A push service in the same process: takes what the service's dispatcher sends, holds it for
a phone that is offline (up to the push's TTL, as real push services do), hands it over when
she is back, and counts every push per prompt so a prompt sent twice is seen."""

import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from savor.clock import utcnow
from savor.notify.webpush import PushResult

HOST = "https://fcm.googleapis.com/fcm/send/"  # a known push service; nothing is contacted


@dataclass(frozen=True)
class Push:
    endpoint: str
    payload: dict[str, str]
    sent_at: datetime


@dataclass
class PushBox:
    ttl: timedelta = timedelta(seconds=2700)
    waiting: dict[str, list[Push]] = field(default_factory=lambda: defaultdict(list))
    sent: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    log: list[Push] = field(default_factory=list)

    def new_endpoint(self) -> str:
        return f"{HOST}rehearsal-{uuid.uuid4().hex}"

    def send(self, subscription: Mapping[str, Any], payload: Mapping[str, Any]) -> PushResult:
        """The dispatcher's Sender: accepted at once, like a healthy push service."""
        push = Push(str(subscription["endpoint"]), dict(payload), utcnow())
        self.waiting[push.endpoint].append(push)
        self.sent[(push.endpoint, push.payload.get("prompt_id", ""), push.payload["type"])] += 1
        self.log.append(push)
        return PushResult(outcome="sent", status=201, reason="Created")

    def collect(self, endpoint: str, now: datetime) -> list[Push]:
        """What reaches a phone that is online now; pushes older than their TTL are gone."""
        held = self.waiting.pop(endpoint, [])
        return [push for push in held if now - push.sent_at <= self.ttl]

    def endpoints_waiting(self) -> list[str]:
        return [endpoint for endpoint, held in self.waiting.items() if held]
