"""Claim due prompts exactly once across processes, notify her devices, remind, retry."""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from savor.ema.models import Prompt
from savor.notify import service as notify_service
from savor.notify.webpush import PushResult, backoff_seconds, neutral_payload
from savor.studies.models import Participant

log = logging.getLogger(__name__)

Sender = Callable[[Mapping[str, Any], Mapping[str, Any]], PushResult]
STALE_CLAIM = timedelta(minutes=5)  # a process that died mid-send gives its claim back
MAX_PUSH_ATTEMPTS = 6
BATCH = 100


@dataclass
class Tally:
    claimed: int = 0
    pushed: int = 0
    retry: int = 0
    gone: int = 0


def _claim(
    session: Session, ids: list, worker: str, now: datetime, where: Any, values: dict
) -> list:
    # One conditional UPDATE per row: the row lock (PostgreSQL) or the single writer (SQLite)
    # lets exactly one process see its condition still true.
    claimed = []
    for prompt_id in ids:
        result = session.execute(
            update(Prompt)
            .where(col(Prompt.id) == prompt_id)
            .where(where)
            .values(claimed_by=worker, claimed_at=now, **values)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(prompt_id)
    session.commit()
    return claimed


def claim_due(*, session: Session, worker: str, now: datetime) -> list[Prompt]:
    """Due prompts become 'sending' for this worker only; stale claims are taken back."""
    stale = now - STALE_CLAIM
    due = or_(
        (col(Prompt.status) == "scheduled") & (col(Prompt.scheduled_at) <= now),
        (col(Prompt.status) == "sending") & (col(Prompt.claimed_at) < stale),
    )
    ids = session.exec(
        select(Prompt.id)
        .where(due)
        .where(col(Prompt.expires_at) > now)
        .order_by(col(Prompt.scheduled_at))
        .limit(BATCH)
    ).all()
    claimed = _claim(session, list(ids), worker, now, due, {"status": "sending"})
    return [session.get_one(Prompt, i) for i in claimed]


def _push_all(
    session: Session, prompt: Prompt, kind: str, send: Sender, now: datetime
) -> tuple[int, list[PushResult]]:
    participant = session.get_one(Participant, prompt.participant_id)
    payload = neutral_payload(kind, str(prompt.id), participant.language)
    delivered, results = 0, []
    for sub in notify_service.subscriptions_for(session=session, participant_id=participant.id):
        result = send(
            {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}, payload
        )
        results.append(result)
        if result.outcome == "sent":
            delivered += 1
            sub.last_success_at, sub.failures = now, 0
            session.add(sub)
        elif result.outcome == "gone":
            session.delete(sub)
        else:
            sub.failures += 1
            session.add(sub)
    return delivered, results


def _after_push(prompt: Prompt, delivered: int, results: list[PushResult], now: datetime) -> None:
    prompt.pushed += delivered
    retryable = [r for r in results if r.outcome == "retry"]
    if delivered == 0 and retryable and prompt.send_attempts < MAX_PUSH_ATTEMPTS:
        wait = backoff_seconds(prompt.send_attempts, max((r.retry_after or 0) for r in retryable))
        prompt.next_attempt_at = now + timedelta(seconds=wait)
    else:
        prompt.next_attempt_at = None
    prompt.send_attempts += 1


def deliver(*, session: Session, prompt: Prompt, send: Sender, now: datetime) -> Tally:
    """Make a claimed prompt available and notify her; it counts as sent even with no device."""
    delivered, results = _push_all(session, prompt, "prompt", send, now)
    prompt.status, prompt.sent_at, prompt.claimed_by = "sent", now, None
    _after_push(prompt, delivered, results, now)
    session.add(prompt)
    session.commit()
    return Tally(
        claimed=1,
        pushed=delivered,
        retry=int(prompt.next_attempt_at is not None),
        gone=sum(r.outcome == "gone" for r in results),
    )


def dispatch_due(*, session: Session, worker: str, send: Sender, now: datetime) -> Tally:
    total = Tally()
    for prompt in claim_due(session=session, worker=worker, now=now):
        tally = deliver(session=session, prompt=prompt, send=send, now=now)
        total.claimed += 1
        total.pushed += tally.pushed
        total.retry += tally.retry
        total.gone += tally.gone
    return total


def retry_pushes(*, session: Session, worker: str, send: Sender, now: datetime) -> int:
    """Notifications that failed for a passing reason are tried again after their backoff."""
    waiting = (col(Prompt.status) == "sent") & (col(Prompt.next_attempt_at) <= now)
    ids = session.exec(
        select(Prompt.id).where(waiting).where(col(Prompt.expires_at) > now).limit(BATCH)
    ).all()
    retried = 0
    for prompt_id in _claim(session, list(ids), worker, now, waiting, {"next_attempt_at": None}):
        prompt = session.get_one(Prompt, prompt_id)
        delivered, results = _push_all(session, prompt, "prompt", send, now)
        _after_push(prompt, delivered, results, now)
        session.add(prompt)
        session.commit()
        retried += 1
    return retried


def send_reminders(*, session: Session, worker: str, send: Sender, now: datetime) -> int:
    """One gentle reminder for a prompt she has not opened yet."""
    due = (
        (col(Prompt.status) == "sent")
        & col(Prompt.reminded_at).is_(None)
        & (col(Prompt.remind_at) <= now)
    )
    ids = session.exec(
        select(Prompt.id).where(due).where(col(Prompt.expires_at) > now).limit(BATCH)
    ).all()
    reminded = _claim(session, list(ids), worker, now, due, {"reminded_at": now})
    for prompt_id in reminded:
        prompt = session.get_one(Prompt, prompt_id)
        _push_all(session, prompt, "reminder", send, now)
        session.commit()
    return len(reminded)
