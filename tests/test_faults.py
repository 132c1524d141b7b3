"""Faults: a server killed mid-ingest loses nothing it acknowledged and counts nothing twice;
a dispatcher that died mid-tick gives its prompts back instead of dropping them."""

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
from sqlmodel import select

from savor.clock import utcnow
from savor.ema.models import Prompt
from savor.notify import dispatch
from savor.notify.webpush import PushResult
from tests.factories import first_due, make_participant, prompts_of
from tests.servers import stop, wait_ready

SENDERS = 8
PER_SENDER = 40


def serve(env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "savor.cli", "serve", "--port", env["PORT"]],
        env=env | {"SAVOR_SCHEDULER_ENABLED": "false", "SAVOR_LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_ready(f"http://127.0.0.1:{env['PORT']}", process)
    return process


# One moment for every answer, so that a retry sends exactly the body it sent before.
SUBMITTED_AT = utcnow().isoformat()


def answer(client_id: str) -> dict:
    return {
        "client_id": client_id,
        "instrument_id": "hard_moment",
        "instrument_version": "1",
        "submitted_at": SUBMITTED_AT,
        "answers": [{"item_id": "C1", "value": 3}, {"item_id": "S1", "value": 4}],
    }


def test_kill_9_during_ingest_keeps_every_acknowledged_answer(clean_env, tmp_path: Path):
    env = clean_env
    demo = subprocess.run(
        [sys.executable, "-m", "savor.cli", "demo", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    code = json.loads(demo.stdout)["enrollment_codes"][0]
    base = f"http://127.0.0.1:{env['PORT']}"
    server = serve(env)
    body = {"code": code, "timezone": "America/Chicago", "language": "en", "consent_version": 1}
    token = httpx.post(f"{base}/api/v1/enroll", json=body, timeout=10).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    acknowledged: list[str] = []
    sent: list[str] = []
    lock = threading.Lock()

    def send() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
            for _ in range(PER_SENDER):
                client_id = str(uuid.uuid4())
                with lock:
                    sent.append(client_id)
                try:
                    response = client.post("/api/v1/responses", json=answer(client_id))
                except httpx.TransportError:
                    return  # the server is gone
                if response.status_code in (200, 201):
                    with lock:
                        acknowledged.append(client_id)

    threads = [threading.Thread(target=send) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    while len(acknowledged) < SENDERS * PER_SENDER // 3:
        threading.Event().wait(0.01)
    stop(server, signal.SIGKILL)
    for thread in threads:
        thread.join()
    assert 0 < len(acknowledged) < len(sent)

    server = serve(env)
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
            # Every phone retries whatever it is unsure of, with the same client ids.
            replays = [client.post("/api/v1/responses", json=answer(c)) for c in sent]
    finally:
        stop(server)
    codes = {c: r.status_code for c, r in zip(sent, replays, strict=True)}
    assert all(codes[c] == 200 for c in acknowledged), "an acknowledged answer was lost"
    assert set(codes.values()) <= {200, 201}
    with sqlite3.connect(tmp_path / "data" / "savor.db") as db:
        stored = [row[0] for row in db.execute("SELECT client_id FROM response")]
    assert len(stored) == len(set(stored)) == len(sent)


def test_a_dispatcher_that_died_mid_tick_gives_its_prompts_back(client, session, settings):
    _, participant = make_participant(client, session, settings)
    prompt, now = first_due(session, participant)
    claimed = dispatch.claim_due(session=session, worker="crashed", now=now)
    assert [p.id for p in claimed] == [prompt.id]
    sends: list[str] = []

    def send(subscription, payload) -> PushResult:
        sends.append(payload["prompt_id"])
        return PushResult("sent", 201, "created")

    soon = now + timedelta(minutes=1)
    assert dispatch.dispatch_due(session=session, worker="alive", send=send, now=soon).claimed == 0
    later = now + dispatch.STALE_CLAIM + timedelta(seconds=1)
    # Her other prompts due by then (a wave may open minutes later) are claimed with it.
    others = [
        p
        for p in prompts_of(session, participant)
        if p.status == "scheduled" and p.scheduled_at <= later
    ]
    tally = dispatch.dispatch_due(session=session, worker="alive", send=send, now=later)
    assert tally.claimed == 1 + len(others)
    assert dispatch.dispatch_due(session=session, worker="alive", send=send, now=later).claimed == 0
    [row] = [p for p in prompts_of(session, participant) if p.id == prompt.id]
    assert (row.status, row.sent_at) == ("sent", later)
    assert session.exec(select(Prompt).where(Prompt.status == "sending")).all() == []
