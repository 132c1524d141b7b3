"""Dispatch lag: 1,000 mothers, one device each, one prompt each due at the same moment.

The real scheduler (APScheduler, the app's jobs, the configured 30 s tick) sends them through
the real sender to the loopback push service of the tests, in a process of its own so it does
not share our interpreter. Lag is the time the push service had read the request minus the
prompt's scheduled time. The baseline sends the same 1,000 messages to the same service with
the same sender and pool of threads but no database: no claims, no reads, no writes, no tick
to wait for.

The push service keeps each message sealed while the dispatch is measured, as a real push
service does (the payload is encrypted end to end; only the phone can read it): it takes the
request, keeps its ciphertext and headers, and answers 201. Once the measured window is over
every message is checked as a browser and push service would: the VAPID token (as of the
message's arrival), TTL and encoding, and the payload decrypted with that phone's keys. The
run counts as an error every message that fails a check, names another prompt than the one
its phone waits for, or is missing, and as a duplicate every second copy. (Until 2026-12-07
the service checked and decrypted each message as it came in, on the same two cores as the
sender, and the baseline carried that cost too: 1.5-1.9 s on a quiet machine.)

Each phone answers with its receipts, as its service worker does: as soon as the push
service has a message for a phone (each phone waits for one prompt, known by its
subscription), that phone sends its `delivered` and `shown` receipts in one request through
the writer thread, as `POST /prompts/{id}/receipts` with `events` does (stored and committed
with whatever else waits). Phones answer concurrently, up to as many at once as the app has
request threads. The figures say how many receipts were recorded by the time the last prompt
was marked sent and in all, and how long after its push each was on disk.

Planning is left out: it ticks in a lane of its own, between the minutes prompts fall due
on, and would cancel these hand-made prompts, which the study's protocol does not ask for.
"""

import multiprocessing
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, insert, select
from sqlmodel import Session, col

from savor.config import Settings
from savor.db import make_engine, make_writer_engine
from savor.ema import jobs as ema_jobs
from savor.ema import prompts as ema_prompts
from savor.ema.models import Prompt
from savor.notify import fanout
from savor.notify.jobs import build_jobs, make_sender
from savor.notify.models import PushSubscription
from savor.notify.vapid import VapidKeys
from savor.notify.webpush import neutral_payload
from savor.storing.thread import WriteQueue
from savor.studies import service as studies_service
from savor.studies.models import Participant
from savor.ticker import start_scheduler

MOTHERS = 1_000
WAIT_SECONDS = 120
RECEIPTS = ("delivered", "shown")
# AnyIO's default worker threads: at most this many receipt requests are inside the app at once.
REQUEST_THREADS = 40
RECEIPT_WAIT_SECONDS = 30
Pending = tuple[uuid.UUID, uuid.UUID]  # the mother, and the prompt her phone waits for


def serve(pipe: Connection, count: int) -> None:
    """The push service's process: subscribe `count` browsers, then report what arrived:
    ("since", n) the subscription and time of each sealed message after the first n; "open"
    every message checked and decrypted, with its prompt id, and what failed the checks."""
    from tests.notify.push_service import PushService

    with PushService(sealed=True) as service:
        pipe.send([service.subscribe().to_json() for _ in range(count)])
        while (request := pipe.recv()) != "stop":
            if request == "open":
                opened, refused = service.open_sealed()
                arrived = [(r.subscription_id, r.json()["prompt_id"], r.at) for r in opened]
                pipe.send((arrived, refused + list(service.refusals)))
            else:
                with service._lock:
                    kept = [(m.subscription_id, m.at) for m in service.kept[request[1] :]]
                pipe.send(kept)


def _percentiles(lags: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(lags, n=100, method="inclusive")
    return cuts[49], cuts[98], max(lags)


def _seed(engine: Any, browsers: list[dict[str, Any]], due: datetime) -> dict[str, Pending]:
    """The prompts, by the subscription of the phone that waits for each, with their mother."""
    with Session(engine) as session:
        study = studies_service.create_study(
            session=session, slug="lag", name="Dispatch lag", now=due - timedelta(days=3)
        )
        study_id = study.id
    mothers = [uuid.uuid4() for _ in browsers]
    prompts = [uuid.uuid4() for _ in browsers]
    with engine.begin() as connection:
        connection.execute(
            insert(Participant),
            [
                {"id": m, "study_id": study_id, "timezone": "America/Chicago", "language": "en"}
                | {"enrolled_at": due - timedelta(days=3), "withdrawn_at": None, "stage": None}
                for m in mothers
            ],
        )
        connection.execute(
            insert(PushSubscription),
            [
                {"id": uuid.uuid4(), "participant_id": m, "endpoint": b["endpoint"]}
                | {"p256dh": b["keys"]["p256dh"], "auth": b["keys"]["auth"], "failures": 0}
                for m, b in zip(mothers, browsers, strict=True)
            ],
        )
        connection.execute(
            insert(Prompt), [_prompt(p, m, due) for p, m in zip(prompts, mothers, strict=True)]
        )
    return {_subscription_id(b): (m, p) for b, m, p in zip(browsers, mothers, prompts, strict=True)}


def _prompt(prompt_id: uuid.UUID, mother: uuid.UUID, due: datetime) -> dict[str, Any]:
    return {
        "id": prompt_id,
        "participant_id": mother,
        "schedule_id": "random_checkin",
        "kind": "random",
        "instrument_id": "momentary",
        "instrument_version": "1",
        "protocol_version": 1,
        "local_date": due.date(),
        "slot": 0,
        "status": "scheduled",
        "scheduled_at": due,
        "expires_at": due + timedelta(minutes=45),
        "remind_at": due + timedelta(minutes=15),
        "answered_late": False,
        "send_attempts": 0,
        "pushed": 0,
    }


def _sent(engine: Any) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(Prompt).where(col(Prompt.status) == "sent")
        return connection.execute(query).scalar_one()


class Phones:
    """Every phone whose push arrived answers with its receipts, many phones at once."""

    def __init__(
        self, pipe: Connection, writer: WriteQueue, waiting: dict[str, Pending], seen: int
    ) -> None:
        self.pipe, self.writer, self.waiting = pipe, writer, waiting
        self.pool = ThreadPoolExecutor(max_workers=REQUEST_THREADS, thread_name_prefix="phone")
        self.recorded: list[float] = []  # seconds from push to receipt on disk
        self.failed = 0
        self._seen = seen  # messages the push service held before these phones listened
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._watcher = threading.Thread(target=self._watch, name="phones")

    def __enter__(self) -> "Phones":
        self._watcher.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._watcher.join()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def count(self) -> int:
        with self._lock:
            return len(self.recorded)

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            self.pipe.send(("since", self._seen))
            arrived = self.pipe.recv()
            self._seen += len(arrived)
            for subscription_id, at in arrived:
                if subscription_id in self.waiting:
                    self.pool.submit(self._answer, self.waiting[subscription_id], at)

    def _answer(self, pending: Pending, at: float) -> None:
        # As the service worker does: both in one request, `shown` counting only while the
        # prompt is open (the phone shows the notification when the answer says it is).
        mother, prompt_id = pending
        when = datetime.fromtimestamp(at, UTC)
        receipts = [
            ema_prompts.Receipt(mother, prompt_id, "delivered", when),
            ema_prompts.Receipt(mother, prompt_id, "shown", when, if_open_at=datetime.now(UTC)),
        ]
        try:
            counted = self.writer.submit_item(ema_prompts.store_receipt_sets, receipts)
        except Exception:  # a phone's request that failed; its outbox would try again
            counted = [False] * len(receipts)
        with self._lock:
            done = time.time() - at
            self.recorded += [done for c in counted if c]
            self.failed += sum(not c for c in counted)


def _settings(url: str, folder: str) -> tuple[Settings, VapidKeys]:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    settings = Settings(
        data_dir=Path(folder),
        database_url=url,
        secret_key="benchmark-secret-key-that-is-long-enough-0123456789",
        vapid_private_key=pem,
        outbound_allow_loopback=True,  # the push service runs on this machine
        _env_file=None,  # type: ignore[call-arg]
    )
    return settings, VapidKeys.from_private_key(key)


def _subscription_id(browser: dict[str, Any]) -> str:
    return browser["endpoint"].rsplit("/", 1)[1]


def _baseline(
    send: Any, browsers: list[dict[str, Any]], pipe: Connection
) -> tuple[list[float], dict[str, str]]:
    """Lags of the same pushes with no database, and the prompt id each phone was sent."""
    expected = {_subscription_id(b): f"baseline-{n}" for n, b in enumerate(browsers)}
    payloads = [neutral_payload("prompt", expected[_subscription_id(b)], "en") for b in browsers]
    start = time.time()
    for _ in fanout.send_all(list(zip(browsers, payloads, strict=True)), lambda m: send(*m)):
        pass
    pipe.send(("since", 0))
    return [at - start for _subscription, at in pipe.recv()], expected


def _checked(
    arrived: list[tuple[str, str, float]], expected: dict[str, str]
) -> tuple[list[float], int, int]:
    """When each message naming one of these prompts arrived; how many phones got no message
    naming their own prompt (a message sent to the wrong phone counts so); how many got it
    more than once."""
    prompts = set(expected.values())
    mine = [(sub, prompt, at) for sub, prompt, at in arrived if prompt in prompts]
    right = [sub for sub, prompt, _at in mine if expected.get(sub) == prompt]
    return [at for _, _, at in mine], len(expected) - len(set(right)), len(right) - len(set(right))


def measure_dispatch(kind: str, url: str) -> None:
    context = multiprocessing.get_context("spawn")
    pipe, child_end = context.Pipe()
    service = context.Process(target=serve, args=(child_end, MOTHERS), daemon=True)
    service.start()
    browsers = pipe.recv()
    engine = make_engine(url)
    with tempfile.TemporaryDirectory(prefix="savor-bench-") as folder:
        settings, keys = _settings(url, folder)
        send = make_sender(settings, keys)
        base, base_expected = _baseline(send, browsers, pipe)
        interval = settings.scheduler_interval_seconds
        # The next tick at least 5 s away, on the minute grid the ticks keep.
        due = datetime.fromtimestamp((time.time() + 5) // interval * interval + interval, UTC)
        waiting = _seed(engine, browsers, due)
        expire = [job for job in ema_jobs.build_jobs(engine=engine) if job.__name__ == "expire"]
        # The app's writer thread, shared as in the app by the phones' receipts and the
        # dispatcher's claims and outcomes.
        writer = WriteQueue(make_writer_engine(url))
        jobs = [*build_jobs(engine=engine, send=send, writer=writer), *expire]
        with Phones(pipe, writer, waiting, seen=len(base)) as phones:
            scheduler = start_scheduler(jobs, interval_seconds=interval)
            deadline = time.time() + WAIT_SECONDS + (due.timestamp() - time.time())
            while _sent(engine) < MOTHERS and time.time() < deadline:
                time.sleep(0.2)
            scheduler.shutdown(wait=True)
            while_sending = phones.count()
            deadline = time.time() + RECEIPT_WAIT_SECONDS
            while phones.count() < len(RECEIPTS) * MOTHERS and time.time() < deadline:
                time.sleep(0.1)
        writer.close()
    # The measured window is over: now every message is checked and decrypted.
    pipe.send("open")
    arrived, refused = pipe.recv()
    pipe.send("stop")
    service.join(timeout=10)
    engine.dispose()
    ours = {sub: str(prompt_id) for sub, (_mother, prompt_id) in waiting.items()}
    times, missing, duplicates = _checked(arrived, ours)
    lags = [at - due.timestamp() for at in times]
    _base_times, base_missing, base_duplicates = _checked(arrived, base_expected)
    p50, p99, worst = _percentiles(lags)
    b50, b99, bworst = _percentiles(base)
    print(
        f"{kind:10} dispatch  p50 {p50:5.2f} s  p99 {p99:5.2f} s  max {worst:5.2f} s"
        f"  errors {missing + len(refused)} ({missing} not delivered,"
        f" {len(refused)} failed the checks)  duplicates {duplicates}"
        f"  ({len(arrived)} messages decrypted and checked after the window)"
    )
    r50, r99, rworst = _percentiles(phones.recorded) if phones.recorded else (0.0,) * 3
    print(
        f"{kind:10} receipts  {len(phones.recorded)} of {len(RECEIPTS) * MOTHERS} recorded"
        f" ({while_sending} by the time all prompts were marked sent, {phones.failed} failed)"
        f"  push to recorded p50 {r50:5.2f} s  p99 {r99:5.2f} s  max {rworst:5.2f} s"
    )
    print(
        f"{kind:10} baseline  p50 {b50:5.2f} s  p99 {b99:5.2f} s  max {bworst:5.2f} s"
        f"  ({len(base)} sent with no database; {base_missing} not delivered,"
        f" {base_duplicates} duplicates)  ratio p99 {p99 / b99:5.2f}",
        flush=True,
    )
