"""Check-ins stored by a writer process of their own: each set committed there before the
phone hears back, and a process that dies or cannot write loses nothing and doubles nothing."""

import asyncio
import os
import pickle
import resource
import signal
import threading
import time
import uuid
from pathlib import Path

import pytest
import uvloop
from fastapi.testclient import TestClient
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from savor.clock import utcnow
from savor.ema.checkin_store import StaleProtocolError
from savor.ema.instruments import default_instruments
from savor.ema.models import Response, ResponseItem
from savor.errors import AppError
from savor.main import create_app
from savor.storing.process import WriterProcess, writer_lost
from tests.factories import make_participant

WAIT_SECONDS = 10


def _answer(client_id: str | None = None) -> dict:
    return {
        "client_id": client_id or str(uuid.uuid4()),
        "instrument_id": "hard_moment",
        "instrument_version": "1",
        "submitted_at": utcnow().isoformat(),
        "answers": [{"item_id": "C1", "value": 3}, {"item_id": "S1", "value": 4}],
    }


def _stored(session: Session, client_id: str) -> int:
    session.expire_all()
    count = select(func.count()).select_from(Response)
    return session.exec(count.where(col(Response.client_id) == uuid.UUID(client_id))).one()


def _process(client: TestClient) -> WriterProcess:
    process = client.app.state.checkin_storer  # type: ignore[attr-defined]
    assert isinstance(process, WriterProcess)
    return process


def _until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {WAIT_SECONDS} s for {what}")
        time.sleep(0.01)


def _gone(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "zombie" in status.read_text()


def test_check_ins_are_committed_by_another_process(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    body = _answer()

    response = client.post("/api/v1/responses", headers=headers, json=body)

    assert response.status_code == 201
    process = _process(client)
    assert process.pid is not None and process.pid != os.getpid()
    assert process.sets == 1
    assert _stored(session, body["client_id"]) == 1


def test_a_writer_process_killed_holding_a_set_is_a_503_and_the_retry_stores_once(
    client, session, settings
):
    headers, _ = make_participant(client, session, settings)
    process = _process(client)
    first_pid = process.pid
    assert first_pid is not None
    body = _answer()
    answered: list = []
    sender = threading.Thread(
        target=lambda: answered.append(client.post("/api/v1/responses", headers=headers, json=body))
    )
    os.kill(first_pid, signal.SIGSTOP)  # it takes the set, and never gets to store it
    try:
        sender.start()
        _until(lambda: process.sets == 1, "the set to be handed over")
    finally:
        os.kill(first_pid, signal.SIGKILL)  # even if the wait failed: never left stopped
    sender.join(WAIT_SECONDS)

    (refused,) = answered
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "database_busy"
    assert int(refused.headers["Retry-After"]) > 0
    assert _stored(session, body["client_id"]) == 0
    retry = client.post("/api/v1/responses", headers=headers, json=body)
    again = client.post("/api/v1/responses", headers=headers, json=body)
    assert (retry.status_code, again.status_code) == (201, 200)
    assert process.started == 2 and process.pid != first_pid
    assert _stored(session, body["client_id"]) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_writer_process_that_cannot_write_is_a_503_and_writes_resume(
    client, session, settings, engine
):
    headers, _ = make_participant(client, session, settings)
    stored_before = _answer()
    assert client.post("/api/v1/responses", headers=headers, json=stored_before).status_code == 201
    pid = _process(client).pid
    assert pid is not None
    # The files it writes, the database and its log, may no longer grow: a disk that is full.
    database = Path(settings.resolved_database_url.removeprefix("sqlite:///"))
    largest = max(p.stat().st_size for p in (database, Path(f"{database}-wal")) if p.exists())
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (largest, resource.RLIM_INFINITY))
    refused = None
    for _ in range(2000):  # until the log must grow past the limit
        body = _answer()
        response = client.post("/api/v1/responses", headers=headers, json=body)
        if response.status_code != 201:
            refused = (body, response)
            break
    assert refused is not None, "the writer never ran out of room"
    body, response = refused
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert "sqlalchemy" not in response.json()["error"]["message"]
    assert _stored(session, body["client_id"]) == 0
    assert session.exec(text("PRAGMA integrity_check")).one() == ("ok",)  # type: ignore[call-overload]
    responses = session.exec(select(func.count()).select_from(Response)).one()
    assert session.exec(select(func.count()).select_from(ResponseItem)).one() == 2 * responses

    resource.prlimit(pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    assert client.post("/api/v1/responses", headers=headers, json=body).status_code == 201
    assert client.post("/api/v1/responses", headers=headers, json=body).status_code == 200
    assert _stored(session, body["client_id"]) == 1


def test_stopping_the_server_ends_its_writer_process(session, settings):
    with TestClient(create_app(settings)) as client:
        headers, _ = make_participant(client, session, settings)
        assert client.post("/api/v1/responses", headers=headers, json=_answer()).status_code == 201
        pid = _process(client).pid
        assert pid is not None and not _gone(pid)
    _until(lambda: _gone(pid), "the writer process to end")


def test_refusals_cross_from_the_writer_process_whole():
    refusals = [
        AppError(409, "prompt_already_answered", "This check-in was already answered."),
        AppError(422, "wrong_instrument", "Wrong.", fields=[{"field": "x", "message": "no"}]),
        StaleProtocolError(),
        writer_lost(),
    ]
    for refusal in refusals:
        crossed = pickle.loads(pickle.dumps(refusal))
        assert type(crossed) is type(refusal)
        assert (crossed.status_code, crossed.code, crossed.message) == (
            refusal.status_code,
            refusal.code,
            refusal.message,
        )
        assert (crossed.fields, crossed.headers) == (refusal.fields, refusal.headers)


def test_a_shipped_instrument_crosses_by_name_and_any_other_whole():
    shipped = default_instruments()["momentary"]
    assert pickle.loads(pickle.dumps(shipped)) is shipped
    assert len(pickle.dumps(shipped)) < 200

    earlier = shipped.model_copy(update={"version": "0.9.0"})
    crossed = pickle.loads(pickle.dumps(earlier))
    assert crossed == earlier and crossed is not earlier
    assert crossed.fingerprint == earlier.fingerprint


def _echo(_session: Session, items: list) -> list:
    """A handler storing nothing: each item comes back as its own outcome."""
    return items


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_set_and_an_answer_of_several_megabytes_cross_on_uvloop(settings):
    # uvloop makes every pipe it watches non-blocking, as the server runs: a hand-over larger
    # than the socket's buffer must wait for room, not fail.
    process = WriterProcess(settings.resolved_database_url)
    large = os.urandom(8 * 1024 * 1024)

    async def hand_over() -> list:
        return await asyncio.gather(process.store(_echo, large), process.store(_echo, b"next"))

    try:
        answers = uvloop.run(hand_over())
    finally:
        process.close()

    assert answers == [large, b"next"]
    assert (process.started, process.sets) == (1, 2)
