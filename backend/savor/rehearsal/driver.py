"""The simulated clock: it moves from one moment something happens to the next, runs the
service's own jobs on the ticker's grid (every 30 s on the whole minute; planning in its lane
half an interval later), and lets the phones act in between. Planning runs hourly rather than
at its 10-minute cadence: it plans today and tomorrow, and a phone that joins or changes her
hours is planned by that request itself, so the 50 runs in between only cost time.

Ticks where no job has anything to do are skipped: the driver asks the database when the next
prompt falls due, is to be reminded, retried or expired, so eight weeks take minutes.
"""

import asyncio
import heapq
import itertools
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from savor.clock import set_simulated_now
from savor.ema.models import Prompt
from savor.ema.prompts import LIVE_STATUSES
from savor.jobs import Job, runs_in_own_lane
from savor.rehearsal.phone import Action, Phone
from savor.rehearsal.pushbox import PushBox
from savor.ticker import run_jobs

TICK = timedelta(seconds=30)  # SAVOR_SCHEDULER_INTERVAL_SECONDS' default
PLAN_EVERY = timedelta(hours=1)
PUSH_LATENCY = (1.0, 20.0)  # seconds from the push service to her phone
_P = Prompt.__table__  # type: ignore[attr-defined]


def _grid(moment: datetime, step: timedelta, offset: timedelta = timedelta(0)) -> datetime:
    """The first tick of this lane at or after `moment`."""
    epoch = datetime(2026, 1, 1, tzinfo=moment.tzinfo) + offset
    steps = -((epoch - moment) // step)  # ceiling division
    return epoch + steps * step


class Driver:
    def __init__(
        self,
        *,
        engine: Engine,
        jobs: list[Job],
        pushbox: PushBox,
        start: datetime,
        end: datetime,
        tick: timedelta = TICK,
    ) -> None:
        self.tick = tick
        self.engine = engine
        self.main_lane = [job for job in jobs if not runs_in_own_lane(job)]
        self.plan_lane = [job for job in jobs if runs_in_own_lane(job)]
        self.pushbox = pushbox
        self.end = end
        self._now = start
        self._queue: list[tuple[datetime, int, int, Action]] = []
        self._order = itertools.count()
        self._phones: dict[int, Phone] = {}
        self._by_endpoint: dict[str, Phone] = {}
        self._due: datetime | None = None  # the next moment a main-lane job has work
        self.ticks = 0
        self.job_seconds = 0.0  # wall time in the service's jobs, of the whole run's
        set_simulated_now(start)

    # -- the Calendar phones use -----------------------------------------------------------
    def now(self) -> datetime:
        return self._now

    def at(self, moment: datetime, phone: Phone, action: Action) -> None:
        if moment < self._now:
            moment = self._now
        if moment < self.end:
            heapq.heappush(self._queue, (moment, next(self._order), phone.number, action))

    def replanned(self) -> None:
        self._due = None

    async def reconnect(self, phone: Phone) -> None:
        await phone.receive(self.pushbox.collect(phone.endpoint, self._now))

    def add(self, phone: Phone) -> None:
        self._phones[phone.number] = phone
        self._by_endpoint[phone.endpoint] = phone

    # -- the run ---------------------------------------------------------------------------
    async def run(self, every_day: Callable[[datetime], Awaitable[None]]) -> None:
        """Until the end: phones act, jobs tick, and `every_day` runs at each UTC midnight."""
        next_plan = _grid(self._now, PLAN_EVERY, self.tick / 2)
        next_day = _grid(self._now + timedelta(seconds=1), timedelta(days=1))
        while True:
            if self._due is None:
                self._due = self._next_due()
            moments = [next_plan, next_day, self._due or self.end, self.end]
            if self._queue:
                moments.append(self._queue[0][0])
            moment = min(moments)
            self._set(moment)
            if moment >= self.end:
                return
            if moment == self._due:
                self._tick(self.main_lane)
                await self._deliver()
            if moment == next_plan:
                self._tick(self.plan_lane)
                next_plan += PLAN_EVERY
                self._due = None
            if moment == next_day:
                await every_day(moment)
                next_day += timedelta(days=1)
            await self._act(moment)

    def finish(self) -> None:
        """A last tick at the end, so what expired by then is expired."""
        self._set(self.end)
        self._tick(self.main_lane)

    def _set(self, moment: datetime) -> None:
        self._now = moment
        set_simulated_now(moment)

    def _tick(self, jobs: list[Job]) -> None:
        self.ticks += 1
        began = time.perf_counter()
        run_jobs(jobs, self._now)
        self.job_seconds += time.perf_counter() - began
        self._due = None

    def _next_due(self) -> datetime | None:
        live = _P.c.status.in_(LIVE_STATUSES)
        sent = _P.c.status == "sent"
        query = select(
            select(func.min(_P.c.scheduled_at)).where(_P.c.status == "scheduled").scalar_subquery(),
            select(func.min(_P.c.remind_at))
            .where(sent & (_P.c.reminded_at.is_(None) | (_P.c.reminded_at < _P.c.remind_at)))
            .scalar_subquery(),
            select(func.min(_P.c.next_attempt_at)).where(sent).scalar_subquery(),
            select(func.min(_P.c.expires_at)).where(live).scalar_subquery(),
        )
        with self.engine.connect() as connection:
            found = [m for m in connection.execute(query).one() if m is not None]
        if not found:
            return None
        earliest = min(m if m.tzinfo else m.replace(tzinfo=self._now.tzinfo) for m in found)
        # Never the moment just ticked: what a tick left due waits for the next one.
        return _grid(max(earliest, self._now + timedelta(microseconds=1)), self.tick)

    async def _deliver(self) -> None:
        """Pushes the jobs sent reach the phones online, a few seconds later."""
        for endpoint in self.pushbox.endpoints_waiting():
            phone = self._by_endpoint.get(endpoint)
            if phone is None or not phone.online:
                continue
            pushes = self.pushbox.collect(endpoint, self._now)
            if not pushes:
                continue

            async def receive(phone: Phone = phone, pushes=pushes) -> None:
                await phone.receive(pushes)

            latency = timedelta(seconds=phone.rng.uniform(*PUSH_LATENCY))
            self.at(self._now + latency, phone, receive)

    async def _act(self, moment: datetime) -> None:
        """Every phone's actions due now: one phone's in order, the phones side by side."""
        mine: dict[int, list[Action]] = defaultdict(list)
        while self._queue and self._queue[0][0] <= moment:
            _, _, number, action = heapq.heappop(self._queue)
            mine[number].append(action)
        if mine:
            await asyncio.gather(*(_in_order(actions) for actions in mine.values()))


async def _in_order(actions: list[Action]) -> None:
    for action in actions:
        await action()
