"""One rehearsal from start to end: the service on a fresh database, the phones, the clock,
the daily pulls, the final exports, the invariants and the report."""

import asyncio
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from savor import ticker
from savor.clock import set_simulated_now, time_zone
from savor.rehearsal import invariants, reconsent, report
from savor.rehearsal.behaviours import everyday
from savor.rehearsal.behaviours.joining import join
from savor.rehearsal.driver import Driver
from savor.rehearsal.model import Model
from savor.rehearsal.phone import Phone
from savor.rehearsal.pulls import DATASETS, Research
from savor.rehearsal.pushbox import PushBox
from savor.rehearsal.service import rehearsal_settings, running
from savor.rehearsal.world import World
from savor.studies.protocol import parse_protocol

# A Monday before the US spring DST change (14 March 2027) and the EU one (28 March):
# a rehearsal of two weeks or more crosses one.
DEFAULT_START = datetime(2027, 3, 8, 6, 0, tzinfo=UTC)


@dataclass
class Options:
    protocol: Path
    participants: int
    weeks: int
    out: Path
    seed: int = 1
    model: Model = field(default_factory=Model)
    database_url: str | None = None
    tick_seconds: int = 30  # the ticker's interval (SAVOR_SCHEDULER_INTERVAL_SECONDS)
    over_http: bool = False  # phones talk to a loopback port instead of over ASGI
    start: datetime = DEFAULT_START


@dataclass
class Outcome:
    problems: dict[str, list[dict[str, Any]]]
    report: dict[str, Any]
    seconds: float

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())


def _phones(options: Options, driver: Driver, pushbox: PushBox, service) -> list[Phone]:
    rng = random.Random(options.seed)
    model = options.model
    days = options.weeks * 7
    phones: list[Phone] = []
    taken: set[datetime] = set()
    for number, code in enumerate(service.codes):
        mine = random.Random(rng.getrandbits(64))
        zone = mine.choice(model.zones)
        day = mine.randrange(max(1, min(model.enroll_days, days)))
        local = datetime.combine(
            (options.start + timedelta(days=day)).date(), datetime.min.time(), time_zone(zone)
        )
        moment = (local + timedelta(seconds=mine.randrange(9 * 3600, 20 * 3600))).astimezone(UTC)
        while moment in taken or moment < options.start:  # her enrollment moment names her
            moment += timedelta(seconds=1)
        taken.add(moment)
        phone = Phone(
            number=number,
            code=code,
            model=model,
            rng=mine,
            http=service.http,
            calendar=driver,
            endpoint=pushbox.new_endpoint(),
            zone=zone,
            language="es" if mine.random() < model.spanish_share else "en",
            stress_mean=mine.uniform(*model.stress_mean_range),
            craving_intercept=mine.uniform(*model.craving_intercept_range),
            behaviours=everyday(),
            days=days,
        )
        driver.add(phone)

        async def enroll(phone: Phone = phone) -> None:
            await join(phone)

        driver.at(moment, phone, enroll)
        phones.append(phone)
    return phones


async def rehearse(options: Options) -> Outcome:
    began, cpu = time.monotonic(), time.process_time()
    end = options.start + timedelta(weeks=options.weeks)
    source = options.protocol.read_text("utf-8")
    set_simulated_now(options.start)
    settings = rehearsal_settings(options.out / "service", options.database_url)
    try:
        serving = running(
            settings, source, options.participants, options.start, over_http=options.over_http
        )
        async with serving as service:
            pushbox = PushBox()
            jobs = ticker.scheduled_jobs(service.app, send=pushbox.send)
            driver = Driver(
                engine=service.app.state.engine,
                jobs=jobs,
                pushbox=pushbox,
                start=options.start,
                end=end,
                tick=timedelta(seconds=options.tick_seconds),
            )
            research = Research(service.http, service.research_token, service.study)
            phones = _phones(options, driver, pushbox, service)
            published: list[tuple[int, datetime]] = []
            week = options.model.reconsent_week
            reconsent_at = options.start + timedelta(weeks=week - 1) if week else None

            async def every_day(moment: datetime) -> None:
                await research.pull_increment()
                if reconsent_at is not None and moment >= reconsent_at and not published:
                    version = await reconsent.publish(research, source, phones, moment)
                    published.append((version, moment))

            await driver.run(every_day)
            driver.finish()  # the last tick: what expired by the end is expired
            await research.pull_increment()
            final = {dataset: await research.full(dataset) for dataset in DATASETS}
            compliance = await research.compliance()
            sizes = await research.write_everything(options.out / "exports")
            world = World(
                phones=phones,
                pushbox=pushbox,
                pulled=research.pulled,
                final=final,
                twice=research.twice,
                compliance=compliance,
                end=end,
                trial=parse_protocol(source).decisions,
                participants=await research.participants(),
                consent_published=published[0] if published else None,
            )
            problems = invariants.check(world)
            document = report.build(
                options=options,
                world=world,
                sizes=sizes,
                problems=problems,
                protocol=source,
                ticks=driver.ticks,
                job_seconds=driver.job_seconds,
                pulls=research.pulls,
            )
    finally:
        set_simulated_now(None)
    seconds = time.monotonic() - began
    document["run"]["seconds"] = round(seconds, 1)
    # CPU of this process (every thread): on a busy machine, what the run itself cost.
    document["run"]["cpu_seconds"] = round(time.process_time() - cpu, 1)
    options.out.mkdir(parents=True, exist_ok=True)
    (options.out / "report.json").write_text(json.dumps(document, indent=2, default=str))
    (options.out / "report.html").write_text(report.html(document), encoding="utf-8")
    return Outcome(problems, document, seconds)


def rehearse_blocking(options: Options) -> Outcome:
    """Run a rehearsal to its end from synchronous code.

    In a thread of its own when this one already runs an event loop (a caller inside an async
    framework, or a test process where a browser driver left one running), since asyncio.run
    refuses to start a second loop in the same thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(rehearse(options))
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(rehearse(options))).result()
