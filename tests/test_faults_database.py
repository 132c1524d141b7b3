"""Database faults: a PostgreSQL that drops off the network and a disk that fills up.

Each gives 503 with the one error shape and Retry-After, stores nothing by halves, and the
service recovers on its own, without a restart, once the database is back.
"""

import contextlib
import json
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from savor import db
from savor.clock import utcnow
from savor.config import Settings
from savor.db import close_session, make_engine
from savor.ema.models import Response, ResponseItem
from savor.errors import database_error_response
from savor.main import create_app
from savor.practices.models import PracticeSession
from savor.practices.shipped import default_catalog
from tests.conftest import TEST_SECRET
from tests.factories import make_participant
from tests.servers import free_port, stop
from tests.test_faults import answer, serve

WAIT_SECONDS = 5.0
SILENT_SECONDS = 20.0
ROOMY = 1_073_741_823  # SQLite's default max_page_count


class Proxy:
    """A TCP relay to PostgreSQL that a test cuts and restores, as a failing network would."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        # A silent proxy takes connections and never answers, like a hung or firewalled host.
        self.silent = False

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and break every open one, so each side sees it at once."""
        if self._listener is not None:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() below
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _close(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                if self.silent:
                    # Dropped at last, so that a client with no timeout of its own fails
                    # the test in bounded time instead of hanging it.
                    hang_up = threading.Timer(SILENT_SECONDS, _close, (client,))
                    hang_up.daemon = True
                    hang_up.start()
                    continue
                server = socket.create_connection(self.upstream, timeout=WAIT_SECONDS)
            except OSError:
                return
            server.settimeout(None)
            with self._lock:
                self._sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=_relay, args=(source, target), daemon=True).start()


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def _relay(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    _close(source)
    _close(target)


def practice(client_id: str | None = None) -> dict[str, Any]:
    started = utcnow() - timedelta(minutes=5)
    return {
        "client_id": client_id or str(uuid.uuid4()),
        "practice_id": "P03",
        "practice_version": default_catalog().practices["P03"].version,
        "variant": "3min",
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=3)).isoformat(),
        "completed": True,
        "seconds_practiced": 180,
        "steps_completed": 3,
    }


def assert_unavailable(response: httpx.Response, code: str = "database_unavailable") -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    error = response.json()["error"]
    assert error["code"] == code
    assert "Traceback" not in error["message"] and "sqlalchemy" not in error["message"]


def stored(session: Session, model: type[Response] | type[PracticeSession], client_id: str) -> int:
    session.expire_all()
    count = (
        select(func.count()).select_from(model).where(col(model.client_id) == uuid.UUID(client_id))
    )
    return session.exec(count).one()


@pytest.fixture
def proxy(database_url: str) -> Iterator[Proxy]:
    url = make_url(database_url)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.restore()
    yield proxy
    proxy.cut()


@pytest.fixture
def proxied_server(
    clean_env: dict[str, str], database_url: str, proxy: Proxy, vapid_private_key: str
) -> Iterator[str]:
    """`savor serve` reaching PostgreSQL only through the proxy."""
    # connect_timeout keeps a test bounded even if the proxy ever swallowed a connection.
    url = make_url(database_url).set(port=proxy.port).update_query_dict({"connect_timeout": "2"})
    env = clean_env | {
        "SAVOR_DATABASE_URL": url.render_as_string(hide_password=False),
        "SAVOR_SECRET_KEY": TEST_SECRET,
        "SAVOR_VAPID_PRIVATE_KEY": vapid_private_key,
    }
    server = serve(env)
    yield f"http://127.0.0.1:{env['PORT']}"
    stop(server)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_lost_postgresql_is_a_503_and_the_server_recovers_by_itself(
    proxied_server: str, proxy: Proxy, client: TestClient, session: Session, settings: Settings
):
    headers, _ = make_participant(client, session, settings)
    before, lost, lost_practice = str(uuid.uuid4()), str(uuid.uuid4()), practice()
    with httpx.Client(base_url=proxied_server, headers=headers, timeout=WAIT_SECONDS) as phone:
        assert phone.post("/api/v1/responses", json=answer(before)).status_code == 201

        proxy.cut()
        assert_unavailable(phone.post("/api/v1/responses", json=answer(lost)))
        assert_unavailable(phone.post("/api/v1/practice-sessions", json=lost_practice))
        assert_unavailable(phone.get("/api/v1/me"))
        assert_unavailable(phone.get("/api/v1/practices"))
        assert_unavailable(phone.get("/readyz"))
        assert stored(session, Response, lost) == stored(session, PracticeSession, lost) == 0

        proxy.restore()
        assert phone.get("/readyz").status_code == 200
        assert phone.get("/api/v1/me").status_code == 200
        # The phone's outbox sends again what was refused, and what it is unsure of.
        assert phone.post("/api/v1/responses", json=answer(lost)).status_code == 201
        assert phone.post("/api/v1/responses", json=answer(lost)).status_code == 200
        assert phone.post("/api/v1/responses", json=answer(before)).status_code == 200
        assert phone.post("/api/v1/practice-sessions", json=lost_practice).status_code == 201

        # Cut and mended while idle: every pooled connection is dead, none may reach her.
        proxy.cut()
        proxy.restore()
        assert phone.get("/api/v1/me").status_code == 200
        assert phone.post("/api/v1/practice-sessions", json=lost_practice).status_code == 200
    assert stored(session, Response, before) == stored(session, Response, lost) == 1
    assert stored(session, PracticeSession, lost_practice["client_id"]) == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_writer_recovers_when_only_its_connections_were_lost(
    database_url: str, proxy: Proxy, settings: Settings, session: Session
):
    # Reads go straight to PostgreSQL and the group-commit writer through the proxy, so the
    # writer alone loses its database: a write that got past every read must not half-store.
    through_proxy = make_url(database_url).set(port=proxy.port)
    writer_lost = settings.model_copy(
        update={"database_url": through_proxy.render_as_string(hide_password=False)}
    )
    with TestClient(create_app(writer_lost, make_engine(database_url))) as client:
        headers, _ = make_participant(client, session, settings)
        client.headers.update(headers)
        record = practice()
        proxy.cut()
        assert_unavailable(client.post("/api/v1/practice-sessions", json=record))
        assert_unavailable(client.post("/api/v1/responses", json=answer(record["client_id"])))
        assert client.get("/api/v1/me").status_code == 200
        assert stored(session, PracticeSession, record["client_id"]) == 0
        assert stored(session, Response, record["client_id"]) == 0
        proxy.restore()
        assert client.post("/api/v1/practice-sessions", json=record).status_code == 201
        assert client.post("/api/v1/responses", json=answer(record["client_id"])).status_code == 201
    assert stored(session, PracticeSession, record["client_id"]) == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_request_session_closes_quietly_on_a_dropped_connection(database_url: str, proxy: Proxy):
    # A request's session closes after her answer went out; a database lost in that moment
    # must not turn into an error that resets her connection.
    engine = make_engine(make_url(database_url).set(port=proxy.port).render_as_string(False))
    session = Session(engine)
    session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    proxy.cut()
    close_session(session)
    proxy.restore()
    with Session(engine) as again:
        assert again.exec(text("SELECT 1")).one() == (1,)  # type: ignore[call-overload]
    engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_database_that_never_answers_is_a_prompt_503_not_a_hang(
    database_url: str, proxy: Proxy, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(db, "POSTGRES_CONNECT_TIMEOUT_S", 1)
    url = make_url(database_url).set(port=proxy.port).render_as_string(hide_password=False)
    proxy.cut()
    proxy.silent = True
    proxy.restore()
    silent = settings.model_copy(update={"database_url": url})
    with TestClient(create_app(silent)) as client:
        started = time.monotonic()
        assert_unavailable(client.get("/readyz"))
        assert_unavailable(client.get("/api/v1/me", headers={"Authorization": "Bearer svp_x"}))
        assert time.monotonic() - started < SILENT_SECONDS / 2


@pytest.mark.parametrize(
    "error",
    [
        sqlite3.OperationalError("database or disk is full"),
        psycopg.errors.DiskFull("could not extend file: No space left on device"),
    ],
)
def test_a_full_disk_is_named_as_such_on_either_database(error: Exception):
    wrapped = OperationalError("INSERT INTO response ...", {}, error)
    response = database_error_response(wrapped)
    assert response.status_code == 503
    assert json.loads(response.body)["error"]["code"] == "storage_full"
    assert "storage is full" in json.loads(response.body)["error"]["message"]


def limit_pages(engine: Engine) -> Callable[[int], None]:
    """Cap the database file at a number of pages: SQLite answers SQLITE_FULL beyond it."""
    limit = [ROOMY]

    def cap(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={limit[0]}")

    # The cap is per connection, so it is set on every checkout; a pool never outlives it.
    event.listen(engine, "checkout", cap)

    def set_limit(pages: int) -> None:
        limit[0] = pages

    return set_limit


def fill(phone: TestClient, make: Callable[[], dict], path: str) -> tuple[list[dict], dict]:
    """Send records until the disk refuses one; returns those stored and the refused one."""
    accepted = []
    for _ in range(500):
        body = make()
        response = phone.post(path, json=body)
        if response.status_code != 201:
            assert_unavailable(response, "storage_full")  # type: ignore[arg-type]
            return accepted, body
        accepted.append(body)
    pytest.fail("the disk never filled up")


@pytest.fixture
def client_writing_here(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """A server that writes check-ins in its own process too, so one cap covers every write
    (the writer process is capped in tests/storing/test_process.py)."""
    app = create_app(settings.model_copy(update={"writer_process": False}), engine)
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_full_disk_is_a_clear_503_and_writes_resume_once_there_is_room(
    client_writing_here: TestClient, session: Session, settings: Settings, engine: Engine
):
    client = client_writing_here
    headers, _ = make_participant(client, session, settings)
    client.headers.update(headers)
    set_limit = limit_pages(client.app.state.writer.engine)  # type: ignore[attr-defined]
    with engine.connect() as connection:
        set_limit(connection.execute(text("PRAGMA page_count")).scalar_one())

    answers, refused = fill(client, lambda: answer(str(uuid.uuid4())), "/api/v1/responses")
    practices, refused_practice = fill(client, practice, "/api/v1/practice-sessions")
    assert client.get("/api/v1/me").status_code == 200  # reading needs no room
    assert stored(session, Response, refused["client_id"]) == 0
    assert stored(session, PracticeSession, refused_practice["client_id"]) == 0
    session.expire_all()
    assert len(session.exec(select(Response)).all()) == len(answers)
    assert len(session.exec(select(ResponseItem)).all()) == 2 * len(answers)
    assert len(session.exec(select(PracticeSession)).all()) == len(practices)
    assert session.exec(text("PRAGMA integrity_check")).one() == ("ok",)  # type: ignore[call-overload]

    set_limit(ROOMY)  # space is freed; the server is not restarted
    for path, body in (
        ("/api/v1/responses", refused),
        ("/api/v1/practice-sessions", refused_practice),
    ):
        assert client.post(path, json=body).status_code == 201
        assert client.post(path, json=body).status_code == 200
    assert stored(session, Response, refused["client_id"]) == 1
    assert stored(session, PracticeSession, refused_practice["client_id"]) == 1
