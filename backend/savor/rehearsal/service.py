"""The service under rehearsal: a fresh database at the newest migration, the real app with its
ticker off (the driver runs its jobs on the simulated clock), the study of the protocol,
enrollment codes and a research token, as `savor study apply`, `savor codes create` and
`savor token create` make them."""

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from savor import migrate
from savor.config import Settings
from savor.ema.study_instruments import checked_protocol
from savor.main import create_app
from savor.research import service as research_service
from savor.research.access import ALL_BUT_FREE_TEXT
from savor.studies import service as studies_service


@dataclass
class Service:
    app: FastAPI
    http: httpx.AsyncClient
    study: str
    codes: list[str]
    research_token: str


def _throwaway_vapid_key() -> str:
    """Pushes go to the push service in this process: any key signs them."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode()


def rehearsal_settings(data_dir: Path, database_url: str | None) -> Settings:
    return Settings(
        vapid_private_key=_throwaway_vapid_key(),
        data_dir=data_dir,
        database_url=database_url,
        secret_key=secrets.token_urlsafe(48),
        scheduler_enabled=False,  # the driver ticks on the simulated clock
        writer_process=False,  # one process, one clock
        log_level="WARNING",  # a line per phone request would drown the run
        _env_file=None,  # type: ignore[call-arg]
    )


def _without_flush_to_disk(engine: Engine) -> None:
    """Commits that wait for the operating system, not for the disk.

    The service flushes every commit to disk so an acknowledged record survives a power cut;
    a rehearsal's database is thrown away and no power is cut, so waiting for the disk only
    costs time (the largest single cost of a commit on a busy machine). What a commit means
    to every other connection, and so to the invariants, is unchanged.
    """

    def relaxed(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA synchronous=OFF")
        else:
            cursor.execute("SET synchronous_commit TO off")
        cursor.close()
        if engine.dialect.name != "sqlite":
            dbapi_connection.commit()  # a SET in a transaction rolled back is undone

    event.listen(engine, "connect", relaxed)  # after the service's own settings
    engine.dispose()  # connections made before now get it too


@asynccontextmanager
async def running(
    settings: Settings, protocol: str, participants: int, now: datetime, over_http: bool = False
) -> AsyncIterator[Service]:
    """The service ready for phones: over ASGI in this process, or `over_http` on a loopback
    port served by uvicorn in this event loop (the same process, so the same clock)."""
    migrate.upgrade(settings.resolved_database_url)
    app = create_app(settings)
    for engine in (app.state.engine, app.state.writer.engine):
        _without_flush_to_disk(engine)
    with Session(app.state.engine) as session:
        checked_protocol(protocol)
        study, _ = studies_service.apply_protocol(session=session, source=protocol, now=now)
        codes: list[str] = []
        while len(codes) < participants:  # at most a thousand at a time, as the API allows
            codes += studies_service.create_enrollment_codes(
                session=session,
                study=study,
                count=min(1000, participants - len(codes)),
                expires_in_days=60,
                pepper=settings.pepper(),
                now=now,
            )
        token = research_service.create_research_token(
            session=session, study=study, scopes=ALL_BUT_FREE_TEXT, label="rehearsal", now=now
        )
        slug = study.slug
    async with app.router.lifespan_context(app), _served(app, over_http) as base:
        transport = None if over_http else httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base, timeout=120) as http:
            yield Service(app, http, slug, codes, token)


@asynccontextmanager
async def _served(app: FastAPI, over_http: bool) -> AsyncIterator[str]:
    if not over_http:
        yield "http://rehearsal"
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises why it could not start
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
