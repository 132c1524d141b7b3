"""A study's staff alerts posted to its own webhook: signed, retried, and minimal.

The body holds only her pseudonym, the rule that fired and when: {"pseudonym": "P…",
"rule": "crisis_threshold", "at": "…Z"}. The headers carry `Savor-Study`, `Savor-Timestamp`
(Unix seconds) and `Savor-Signature: sha256=<hex>`, the HMAC-SHA256 under the webhook's
secret of `<timestamp>.<body>`; a receiver recomputes it and refuses old timestamps.
Delivery is at least once: a post is retried with backoff until the receiver answers 2xx.
"""

import hashlib
import hmac
import json
import secrets
import uuid
from datetime import datetime, timedelta

import httpx
from sqlalchemy import and_, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from savor import outbound
from savor.ema.alerts import StaffAlert
from savor.errors import AppError
from savor.guarded_http import GuardedTransport
from savor.jobs import Job
from savor.research.anonymize import utc_text
from savor.research.models import StudyWebhook, WebhookDelivery
from savor.studies.models import Participant, Study
from savor.studies.pseudonym import pseudonym

RULE = "crisis_threshold"
MAX_ATTEMPTS = 10
LEASE = timedelta(minutes=2)  # a process that dies mid-post gives the alert back after this
BATCH = 50
TIMEOUT_SECONDS = 10.0


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def payload(*, pseudonym: str, at: datetime) -> bytes:
    return json.dumps({"pseudonym": pseudonym, "rule": RULE, "at": utc_text(at)}).encode()


def set_webhook(
    *, session: Session, study: Study, url: str, policy: outbound.Policy, now: datetime
) -> StudyWebhook:
    """Point the study's alerts at `url` with a new secret; alerts from now on are posted."""
    # Alerts carry pseudonyms: never in clear text, never into our own network.
    if (problem := outbound.webhook_problem(url, policy)) is not None:
        raise AppError(422, "invalid_webhook", f"{problem}.")
    hook = session.get(StudyWebhook, study.id) or StudyWebhook(
        study_id=study.id, url=url, secret=""
    )
    hook.url, hook.secret, hook.created_at = url, new_secret(), now
    session.add(hook)
    return hook


def get_webhook(*, session: Session, study: Study) -> StudyWebhook | None:
    return session.get(StudyWebhook, study.id)


def remove_webhook(*, session: Session, study: Study) -> None:
    if (hook := session.get(StudyWebhook, study.id)) is not None:
        session.delete(hook)


def _due(session: Session, now: datetime) -> list:
    waiting = and_(
        col(WebhookDelivery.delivered_at).is_(None),
        col(WebhookDelivery.next_attempt_at) <= now,
        col(WebhookDelivery.attempts) < MAX_ATTEMPTS,
    )
    return list(
        session.exec(
            select(StaffAlert, Participant, Study, StudyWebhook)
            .join(Participant, col(Participant.id) == StaffAlert.participant_id)
            .join(Study, col(Study.id) == Participant.study_id)
            .join(StudyWebhook, col(StudyWebhook.study_id) == Study.id)
            .outerjoin(WebhookDelivery, col(WebhookDelivery.alert_id) == StaffAlert.id)
            .where(col(StaffAlert.created_at) >= StudyWebhook.created_at)
            .where(or_(col(WebhookDelivery.alert_id).is_(None), waiting))
            .order_by(col(StaffAlert.created_at))
            .limit(BATCH)
        ).all()
    )


def _claim(session: Session, alert_id: uuid.UUID, now: datetime) -> bool:
    # The first process to insert the row or to move its lease on with a conditional update
    # posts the alert; the row lock (PostgreSQL) or the single writer (SQLite) decides.
    if session.get(WebhookDelivery, alert_id) is None:
        session.add(WebhookDelivery(alert_id=alert_id, next_attempt_at=now))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
    claimed = session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.alert_id) == alert_id)
        .where(col(WebhookDelivery.delivered_at).is_(None))
        .where(col(WebhookDelivery.next_attempt_at) <= now)
        .values(next_attempt_at=now + LEASE)
    )
    session.commit()
    return claimed.rowcount == 1  # type: ignore[attr-defined]


def _post(client: httpx.Client, hook: StudyWebhook, study: Study, body: bytes, now: datetime):
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "Savor-Study": study.slug,
        "Savor-Timestamp": str(timestamp),
        "Savor-Signature": signature(hook.secret, timestamp, body),
    }
    try:
        answer = client.post(hook.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return type(exc).__name__
    except outbound.Refused as exc:
        return f"not contacted: {exc}"
    return None if answer.is_success else f"HTTP {answer.status_code}"


def _record_attempt(
    session: Session, alert_id: uuid.UUID, error: str | None, now: datetime
) -> None:
    """Count the attempt: delivered, or the error kept and the next try backed off."""
    row = session.get_one(WebhookDelivery, alert_id)
    session.refresh(row)
    row.attempts += 1
    if error is None:
        row.delivered_at, row.last_error = now, None
    else:
        row.last_error = error[:200]
        row.next_attempt_at = now + timedelta(minutes=2 ** min(row.attempts, 8))
    session.add(row)
    session.commit()


def deliver_alerts(*, session: Session, client: httpx.Client, now: datetime) -> int:
    """Post each alert not yet delivered whose turn has come; returns how many got a 2xx."""
    delivered = 0
    for alert, participant, study, hook in _due(session, now):
        if not _claim(session, alert.id, now):
            continue
        name = pseudonym(study_secret=study.secret, participant_id=participant.id)
        error = _post(client, hook, study, payload(pseudonym=name, at=alert.created_at), now)
        _record_attempt(session, alert.id, error, now)
        delivered += error is None
    return delivered


def client(policy: outbound.Policy) -> httpx.Client:
    """Posts only to checked addresses of the webhook's host, and never follows a redirect."""
    transport = GuardedTransport(policy)
    return httpx.Client(timeout=TIMEOUT_SECONDS, transport=transport, follow_redirects=False)


def build_jobs(*, engine: Engine, policy: outbound.Policy) -> list[Job]:
    def deliver_webhooks(now: datetime) -> None:
        with Session(engine) as session:
            # A client reads the CA bundle (~80 ms of CPU): made only when an alert waits,
            # not on every tick of every replica.
            if not _due(session, now):
                return
            with client(policy) as http:
                deliver_alerts(session=session, client=http, now=now)

    return [deliver_webhooks]
