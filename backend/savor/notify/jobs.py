"""Notify's job for the ticker: send due prompts, retries and reminders to her devices."""

import os
import socket
import urllib.request
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from savor.config import Settings
from savor.guarded_http import GuardedSession
from savor.jobs import Job
from savor.notify import dispatch, fanout
from savor.notify.seen import SeenDevices
from savor.notify.vapid import VapidKeys
from savor.notify.webpush import PushResult, send_push


def make_sender(settings: Settings, keys: VapidKeys) -> dispatch.Sender:
    # One connection pool per push service host, as wide as the sending pool, shared by the
    # sending threads: most mothers' phones share a few push services.
    # Each connection goes only to a checked address of a push service (savor.outbound).
    connections = GuardedSession(
        settings.outbound_policy, pool_connections=8, pool_maxsize=fanout.PUSH_WORKERS
    )
    # Looking the environment up on every request (requests' trust_env) was a fifth of each
    # push's time: the CA bundle is read once here, and the lookup stays only for a proxy,
    # whose no_proxy list has to be matched against each push service.
    connections.trust_env = bool(urllib.request.getproxies_environment())
    if bundle := os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE"):
        connections.verify = bundle

    def send(subscription, payload) -> PushResult:
        return send_push(
            subscription,
            payload,
            keys=keys,
            subject=settings.vapid_subject,
            ttl=settings.push_ttl_seconds,
            timeout=settings.push_timeout_seconds,
            session=connections,
        )

    return send


def build_jobs(
    *,
    engine: Engine,
    send: dispatch.Sender,
    seen: SeenDevices | None = None,
    writer: dispatch.Writer | None = None,
) -> list[Job]:
    """`writer`: the app's writer thread. On SQLite it commits the dispatcher's claims and
    outcomes with the phones' receipts instead of competing with it for the single writer's
    lock; PostgreSQL takes many writers at once, and there the dispatcher commits its own."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    if engine.dialect.name != "sqlite":
        writer = None

    def send_due(now: datetime) -> None:
        with Session(engine) as session:
            mine = {"session": session, "worker": worker, "send": send, "writer": writer}
            dispatch.dispatch_due(now=now, **mine)
            dispatch.retry_pushes(now=now, **mine)
            dispatch.send_reminders(now=now, **mine)

    def note_seen_devices(now: datetime) -> None:
        assert seen is not None
        with Session(engine) as session:
            seen.flush(session=session, now=now)

    return [send_due] if seen is None else [send_due, note_seen_devices]
