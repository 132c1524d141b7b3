"""A synthetic phone: what the PWA does with the public participant API, and nothing more.

It keeps an outbox like `pwa/js/outbox.js` (records sent in order until a 2xx, kept through
offline spells, sent in a burst when she is back), hands pushes to her behaviours, and notes
in `truth` what really happened. Behaviours (behaviours/) decide what she does; this module
only knows how a phone talks to the server.
"""

import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx

from savor.clock import time_zone
from savor.rehearsal.model import Model
from savor.rehearsal.pushbox import Push
from savor.rehearsal.truth import Record, Truth

# Writes after which the service plans or cancels her prompts at once.
REPLANNING = ("/enroll", "/me", "/me/withdraw")

Action = Callable[[], Awaitable[None]]


class Calendar(Protocol):
    """The driver's queue of what phones will do, and the simulated now."""

    def now(self) -> datetime: ...

    def at(self, moment: datetime, phone: "Phone", action: Action) -> None: ...

    def replanned(self) -> None:
        """Her prompts may have changed outside the jobs (she joined, moved, left)."""

    async def reconnect(self, phone: "Phone") -> None:
        """She is online again: what the push service held reaches her, her outbox drains."""


@dataclass
class Outgoing:
    path: str
    body: dict[str, Any]
    record: Record | None = None  # a record the exports must hold once it got a 2xx


@dataclass
class Phone:
    number: int
    code: str
    model: Model
    rng: random.Random
    http: httpx.AsyncClient
    calendar: Calendar
    endpoint: str
    zone: str
    language: str = "en"
    truth: Truth = field(default_factory=Truth)
    outbox: list[Outgoing] = field(default_factory=list)
    offline_until: datetime | None = None
    token: str = ""
    practice_version: str = ""
    # Her own true levels (the data-generating model).
    stress_mean: float = 4.0
    craving_intercept: float = 1.5
    behaviours: list[Any] = field(default_factory=list)
    days: int = 14  # the length of the run, for chances given over the whole run
    travelling: bool = False
    kept_prompts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Questionnaires begun and not yet sent, by prompt id (js/questionnaire_drafts.js).
    questionnaire_drafts: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: int = 0  # every request her phone made, for the cost of a participant-day
    _moments: set[datetime] = field(default_factory=set)

    # -- time ------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.calendar.now()

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(time_zone(self.zone))

    def week(self, moment: datetime) -> int:
        assert self.truth.enrolled_at is not None
        return (moment - self.truth.enrolled_at).days // 7 + 1

    def unique(self, moment: datetime) -> datetime:
        """A moment no other record of hers has, to the millisecond: exports are matched to
        what she sent by (her, the moment)."""
        moment = moment.replace(microsecond=(moment.microsecond // 1000) * 1000)
        while moment in self._moments:
            moment += timedelta(milliseconds=1)
        self._moments.add(moment)
        return moment

    def later(self, delay: timedelta, action: Action) -> None:
        self.calendar.at(self.now() + delay, self, action)

    @property
    def online(self) -> bool:
        return self.offline_until is None or self.now() >= self.offline_until

    @property
    def active(self) -> bool:
        return self.truth.enrolled_at is not None and self.truth.withdrawn_at is None

    # -- talking to the server -------------------------------------------------------------
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        if method != "GET" and path in REPLANNING:
            self.calendar.replanned()
        self.requests += 1
        return await self.http.request(method, f"/api/v1{path}", json=body, headers=self.headers())

    def record(self, kind: str, path: str, body: dict[str, Any], moment: datetime, **kw) -> None:
        """A check-in or practice session into the outbox, sent now if she is online."""
        body = {"client_id": str(uuid.uuid4())} | body
        record = Record(kind, body["client_id"], moment, body, **kw)
        self.outbox.append(Outgoing(path, body, record))

    def queue(self, path: str, body: dict[str, Any]) -> None:
        """A delivery receipt or another small write the outbox keeps until it is sent."""
        self.outbox.append(Outgoing(path, body))

    async def flush(self) -> None:
        """Send the outbox in order until it is empty, a send fails or she goes offline."""
        while self.outbox and self.online:
            item = self.outbox[0]
            answer = await self.call("POST", item.path, item.body)
            if answer.status_code >= 500 or answer.status_code == 429:
                return  # kept; sent again at the next flush
            self.outbox.pop(0)
            if item.record is not None:
                if self._settle(item, answer):
                    await self._answered(item.record)
                if 200 <= answer.status_code < 300 and self._lost_answer():
                    # The server has it, the phone never heard: the outbox sends it again.
                    self.outbox.insert(0, item)
                    return
                if (
                    200 <= answer.status_code < 300
                    and self.rng.random() < self.model.replay_probability
                ):
                    again = await self.call("POST", item.path, item.body)
                    self._settle(item, again)

    def _lost_answer(self) -> bool:
        return self.rng.random() < self.model.lost_answer_probability

    async def _answered(self, record: Record) -> None:
        for behaviour in self.behaviours:
            handler = getattr(behaviour, "on_answered", None)
            if handler is not None:
                await handler(self, record)

    def _settle(self, item: Outgoing, answer: httpx.Response) -> bool:
        """Note what became of a record; True the first time it got a 2xx."""
        record = item.record
        assert record is not None
        record.status = answer.status_code
        if not 200 <= answer.status_code < 300:
            self.truth.refused.append(record)
            return False
        first = self.truth.acked.get(record.client_id)
        if first is None:
            record.answer = answer.json()
            self.truth.acked[record.client_id] = record
            if record.prompt_id:
                self.truth.answered[record.prompt_id] = record
            return True
        same = answer.status_code == 200 and _settled(answer.json()) == _settled(first.answer)
        self.truth.replays.append((record, answer.status_code, same))
        return False

    # -- what the driver hands her ---------------------------------------------------------
    async def receive(self, pushes: list[Push]) -> None:
        for push in pushes:
            for behaviour in self.behaviours:
                handler = getattr(behaviour, "on_push", None)
                if handler is not None and self.active:
                    await handler(self, push)
        await self.flush()

    async def day_begins(self) -> None:
        """At her local midnight: every behaviour plans her day, then the next midnight."""
        if not self.active:
            return
        today = self.local(self.now()).date()
        for behaviour in self.behaviours:
            handler = getattr(behaviour, "on_day", None)
            if handler is not None:
                await handler(self, today)
        self.schedule_next_day()

    def schedule_next_day(self) -> None:
        zone = time_zone(self.zone)
        tomorrow = self.local(self.now()).date() + timedelta(days=1)
        midnight = datetime.combine(tomorrow, datetime.min.time(), tzinfo=zone)
        self.calendar.at(
            midnight.astimezone(self.now().tzinfo) + timedelta(seconds=1), self, self.day_begins
        )


def _settled(answer: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored record's answer, less what she decided since (whether she took up an offer)."""
    if not answer or "offers" not in answer:
        return answer
    offers = [{k: v for k, v in offer.items() if k != "outcome"} for offer in answer["offers"]]
    return answer | {"offers": offers}
