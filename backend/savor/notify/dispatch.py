"""Claim due prompts exactly once across processes, notify her devices, remind, retry.

A prompt is claimed (committed) before anything is sent, so racing dispatchers never send it
twice. Its devices are then notified concurrently, and each prompt's outcome is committed
within a tenth of a second of its devices' last answer (answers are recorded in groups), so a
dispatcher that dies mid-tick leaves at most the messages of that last moment unrecorded; the
prompts it had claimed but not sent come back once the claim is stale.

The next batch is claimed while the last pushes of the one before are still out, so the
pool of senders never idles between batches. On SQLite the claims and outcomes go through
the app's writer thread, with the phones' receipts, instead of queuing for the lock.
"""

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol, TypeVar

from sqlalchemy import Row, bindparam, delete, func, literal, or_, update
from sqlmodel import Session, col, select

from savor.ema.decisions.probes import OFFER_KIND, PROBE_KIND
from savor.ema.models import Prompt
from savor.ema.waves import WAVE_KIND
from savor.notify import fanout
from savor.notify.models import PushSubscription
from savor.notify.webpush import PushResult, backoff_seconds, neutral_payload
from savor.studies.models import Participant

Sender = Callable[[Mapping[str, Any], Mapping[str, Any]], PushResult]
STALE_CLAIM = timedelta(minutes=5)  # a process that died mid-send gives its claim back
MAX_PUSH_ATTEMPTS = 6
BATCH = 100
RESERVE = 3 * BATCH  # messages waiting to be sent before the next batch is claimed
# A tick stops claiming after this long, so even a batch whose every push times out is
# recorded long before its claims (stamped with the tick's `now`) could look stale.
CLAIM_SECONDS = 60.0
# How long the last outcomes are tried again while a receipt holds their rows; after that
# each is written on its own, waiting for its row's lock, rather than trying for ever.
HELD_ROW_SECONDS = 5.0

_PROMPTS = Prompt.__table__  # type: ignore[attr-defined]
_DEVICES = PushSubscription.__table__  # type: ignore[attr-defined]
_PROMPT_ID = _PROMPTS.c.id == bindparam("prompt_id")


@dataclass
class Tally:
    claimed: int = 0
    pushed: int = 0
    retry: int = 0
    gone: int = 0


@dataclass(frozen=True)
class Message:
    prompt_id: Any
    device_id: Any
    subscription: dict[str, Any]
    payload: dict[str, str]


@dataclass
class Sending:
    """A claimed prompt as it was when claimed, and what her devices answered so far."""

    id: Any
    pushed: int
    send_attempts: int
    devices: int
    results: list[PushResult] = field(default_factory=list)

    @property
    def delivered(self) -> int:
        return sum(r.outcome == "sent" for r in self.results)


Finish = Callable[[Sending], dict[str, Any] | None]  # the prompt's new values, if any
T = TypeVar("T")


class Writer(Protocol):
    """The app's writer thread (savor.storing.thread.WriteQueue): runs a write in its next
    group commit and returns its result once committed."""

    def submit(self, write: Callable[[Session], T]) -> T: ...


def _committed(session: Session, writer: Writer | None, write: Callable[[Session], T]) -> T:
    # With SQLite's single writer, the dispatcher's own commits queued behind the phones'
    # receipts (each wait a busy-timeout sleep) while its pushes waited for the next claim;
    # through the app's writer thread they share its group commits and never wait for a lock.
    if writer is not None:
        return writer.submit(write)
    result = write(session)
    session.commit()
    return result


def _claim(session: Session, worker: str, now: datetime, where: Any, values: dict) -> list[Row]:
    """Prompts matching `where`, claimed for this worker (their ids, owners, kinds, closing
    times and push counts); committed by the caller before any is sent."""
    # SKIP LOCKED lets racing PostgreSQL dispatchers split the due prompts instead of queuing
    # on each other's rows; the conditional UPDATE is what makes a claim exclusive (SQLite has
    # no row locks but a single writer, so only one process sees the condition still true).
    ids = session.exec(
        select(Prompt.id)
        .where(where)
        .where(col(Prompt.expires_at) > now)
        .order_by(col(Prompt.scheduled_at))
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    claimed = []
    if ids:
        claimed = list(
            session.execute(
                update(Prompt)
                .where(col(Prompt.id).in_(ids))
                .where(where)
                .values(claimed_by=worker, claimed_at=now, **values)
                .returning(col(Prompt.id)),
                execution_options={"synchronize_session": False},
            ).scalars()
        )
    if not claimed:
        return []
    # Plain rows, not the session's objects: read as claimed, whatever the commit that
    # follows expires, and no ORM objects to build for each of a thousand prompts.
    columns = ("id", "participant_id", "kind", "expires_at", "pushed", "send_attempts")
    query = select(*(_PROMPTS.c[name] for name in columns))
    query = query.where(_PROMPTS.c.id.in_(claimed)).order_by(_PROMPTS.c.scheduled_at)
    return list(session.execute(query))


def claim_due(*, session: Session, worker: str, now: datetime) -> list[Row]:
    """Due prompts become 'sending' for this worker only; stale claims are taken back."""
    claimed = _claim(session, worker, now, _due(now), {"status": "sending"})
    session.commit()
    return claimed


def _due(now: datetime) -> Any:
    # A probe is pushed only once decided, as an offer (ema/decisions/probe_decide.py).
    return or_(
        (col(Prompt.status) == "scheduled")
        & (col(Prompt.scheduled_at) <= now)
        & (col(Prompt.kind) != PROBE_KIND),
        (col(Prompt.status) == "sending") & (col(Prompt.claimed_at) < now - STALE_CLAIM),
    )


def _messages(session: Session, prompts: list[Row], kind: str) -> list[Message]:
    owners = {p.participant_id for p in prompts}
    language = dict(
        session.execute(
            select(Participant.id, Participant.language).where(col(Participant.id).in_(owners))
        ).all()
    )
    devices = defaultdict(list)
    columns = ("id", "participant_id", "endpoint", "p256dh", "auth")
    query = select(*(_DEVICES.c[name] for name in columns))
    for device in session.execute(query.where(_DEVICES.c.participant_id.in_(owners))):
        devices[device.participant_id].append(device)
    return [
        Message(
            prompt.id,
            device.id,
            {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}},
            neutral_payload(
                _kind_of(prompt, kind),
                str(prompt.id),
                language[prompt.participant_id],
                prompt.expires_at,
            ),
        )
        for prompt in prompts
        for device in devices[prompt.participant_id]
    ]


def _kind_of(prompt: Row, kind: str) -> str:
    """An offer drawn at a probe has its own words, and its reminder says the same."""
    return OFFER_KIND if prompt.kind == OFFER_KIND else kind


def _note_devices(
    session: Session, answered: list[tuple[Message, PushResult]], now: datetime
) -> None:
    # One statement per outcome for the whole group, not one per device: a thousand devices
    # answered within a second cost PostgreSQL a thousand statements otherwise. A device that
    # failed twice in the group (two of her prompts) counts two failures, as before.
    sent, gone, failed = set(), set(), Counter()
    for message, result in answered:
        if result.outcome == "sent":
            sent.add(message.device_id)
        elif result.outcome == "gone":
            gone.add(message.device_id)
        else:
            failed[message.device_id] += 1
    if sent:
        these = _DEVICES.c.id.in_(sorted(sent))
        session.execute(update(_DEVICES).where(these).values(last_success_at=now, failures=0))
    if gone:
        session.execute(delete(_DEVICES).where(_DEVICES.c.id.in_(sorted(gone))))
    for times in set(failed.values()):
        these = _DEVICES.c.id.in_(sorted(d for d, n in failed.items() if n == times))
        session.execute(update(_DEVICES).where(these).values(failures=_DEVICES.c.failures + times))


def _outcomes(done: list[Sending], finish: Finish) -> list[dict[str, Any]]:
    return [values | {"prompt_id": s.id} for s in done if (values := finish(s)) is not None]


def _record(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Write the prompts' new values, except rows another transaction holds: those are
    returned, to be written with the next group.

    A receipt arriving while its prompt is being sent locks that prompt's row, and a group
    of receipts locks many in an order of its own; waiting for them could deadlock PostgreSQL
    (each side holding a row the other wants), so the dispatcher skips instead of waiting.
    SQLite locks the whole database, never rows, and returns every row here.
    """
    if not rows:
        return []
    ids = sorted(row["prompt_id"] for row in rows)
    free = set(
        session.execute(
            select(_PROMPTS.c.id)
            .where(_PROMPTS.c.id.in_(ids))
            .order_by(_PROMPTS.c.id)
            .with_for_update(skip_locked=True)
        ).scalars()
    )
    ready = [row for row in rows if row["prompt_id"] in free]
    if ready:
        session.execute(update(_PROMPTS).where(_PROMPT_ID), ready)
    return [row for row in rows if row["prompt_id"] not in free]


def _push(
    session: Session,
    claim: Callable[[Session], list[Row]],
    kind: str,
    send: Sender,
    now: datetime,
    finish: Finish,
    budget: float,
    writer: Writer | None,
) -> int:
    """Claim a batch at a time and notify every device of every prompt, recording each as its
    answers come in; the next batch is claimed while the last pushes of the one before are
    still out. Returns how many prompts were claimed.

    Claiming stops after `budget` seconds, so even a batch whose every push times out is
    recorded long before its claims (stamped with the tick's `now`) could look stale.
    """
    sending: dict[Any, Sending] = {}
    waiting: list[dict[str, Any]] = []  # outcomes whose rows were held by a receipt
    started = time.monotonic()

    def record(answered: list[tuple[Message, PushResult]], rows: list[dict[str, Any]]) -> None:
        def write(s: Session) -> list[dict[str, Any]]:
            _note_devices(s, answered, now)
            return _record(s, waiting + rows)

        waiting[:] = _committed(session, writer, write)

    def more() -> list[Message]:
        # Called between groups of answers, once the last group's outcomes are committed.
        while sending == {} or time.monotonic() - started <= budget:
            prompts = _committed(session, writer, claim)
            if not prompts:
                return []
            batch = {p.id: Sending(p.id, p.pushed, p.send_attempts, 0) for p in prompts}
            sending.update(batch)
            messages = _messages(session, prompts, kind)
            session.rollback()  # end the read: SQLite keeps no snapshot open between batches
            for message in messages:
                batch[message.prompt_id].devices += 1
            no_device = _outcomes([s for s in batch.values() if s.devices == 0], finish)
            if no_device or waiting:
                record([], no_device)
            if messages:
                return messages
        return []

    # Batches in reserve: recording a group and claiming the next each wait for a commit
    # (behind the phones' receipts on a busy server: a few hundred milliseconds when a
    # thousand phones answer at once), and the pool must not run dry meanwhile.
    pushes = fanout.send_all(
        [], lambda m: send(m.subscription, m.payload), more=more, refill_below=RESERVE
    )
    for answered in pushes:
        done = []
        for message, result in answered:
            state = sending[message.prompt_id]
            state.results.append(result)
            if len(state.results) == state.devices:
                done.append(state)
        record(answered, _outcomes(done, finish))
    held_since = time.monotonic()
    while waiting and time.monotonic() - held_since < HELD_ROW_SECONDS:
        time.sleep(0.01)
        record([], [])
    for row in waiting:
        _committed(session, writer, partial(_record_held, row=row))
    return len(sending)


def _record_held(session: Session, row: dict[str, Any]) -> None:
    """One prompt's outcome, waiting for its row however long another transaction holds it:
    a single row in a transaction of its own, so no lock is held while waiting and no
    deadlock can form."""
    session.execute(update(_PROMPTS).where(_PROMPT_ID), [row])


def _after_push(state: Sending, now: datetime) -> dict[str, Any]:
    retryable = [r for r in state.results if r.outcome == "retry"]
    next_attempt_at = None
    if state.delivered == 0 and retryable and state.send_attempts < MAX_PUSH_ATTEMPTS:
        retry_after = max((r.retry_after or 0) for r in retryable)
        next_attempt_at = now + timedelta(seconds=backoff_seconds(state.send_attempts, retry_after))
    return {
        "pushed": state.pushed + state.delivered,
        "next_attempt_at": next_attempt_at,
        "send_attempts": state.send_attempts + 1,
    }


def dispatch_due(
    *,
    session: Session,
    worker: str,
    send: Sender,
    now: datetime,
    budget: float = CLAIM_SECONDS,
    writer: Writer | None = None,
) -> Tally:
    """Send every due prompt, a batch at a time; each counts as sent even with no device."""
    total = Tally()

    def finish(state: Sending) -> dict[str, Any]:
        values = _after_push(state, now)
        total.claimed += 1
        total.pushed += state.delivered
        total.retry += values["next_attempt_at"] is not None
        total.gone += sum(r.outcome == "gone" for r in state.results)
        return values | {"status": "sent", "sent_at": now, "claimed_by": None}

    claim = partial(_claim, worker=worker, now=now, where=_due(now), values={"status": "sending"})
    _push(session, claim, "prompt", send, now, finish, budget, writer)
    return total


def retry_pushes(
    *,
    session: Session,
    worker: str,
    send: Sender,
    now: datetime,
    budget: float = CLAIM_SECONDS,
    writer: Writer | None = None,
) -> int:
    """Notifications that failed for a passing reason are tried again after their backoff."""
    waiting = (col(Prompt.status) == "sent") & (col(Prompt.next_attempt_at) <= now)
    claim = partial(_claim, worker=worker, now=now, where=waiting, values={"next_attempt_at": None})
    after = partial(_after_push, now=now)
    return _push(session, claim, "prompt", send, now, after, budget, writer)


def send_reminders(
    *,
    session: Session,
    worker: str,
    send: Sender,
    now: datetime,
    budget: float = CLAIM_SECONDS,
    writer: Writer | None = None,
) -> int:
    """One gentle reminder for a prompt she has not opened yet, or a questionnaire wave she
    opened and has not sent (a long form is often left half done)."""
    unanswered = (col(Prompt.status) == "sent") | (
        (col(Prompt.kind) == WAVE_KIND) & (col(Prompt.status) == "opened")
    )
    # A reminder is due when its time has come and none went out since it was set (a wave's
    # next one is set after the last, see ema.wave_reminders).
    not_yet = col(Prompt.reminded_at).is_(None) | (col(Prompt.reminded_at) < col(Prompt.remind_at))
    due = unanswered & not_yet & (col(Prompt.remind_at) <= now)
    at_type = Prompt.__table__.c.reminded_at.type  # type: ignore[attr-defined]
    stamps = {
        "reminded_at": now,
        "first_reminded_at": func.coalesce(col(Prompt.first_reminded_at), literal(now, at_type)),
        "reminders_sent": col(Prompt.reminders_sent) + 1,
    }
    claim = partial(_claim, worker=worker, now=now, where=due, values=stamps)
    return _push(session, claim, "reminder", send, now, lambda state: None, budget, writer)
