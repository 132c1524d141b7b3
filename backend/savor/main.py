"""The application factory: routers, error shape, lifespan ticker and the PWA at /."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from sqlalchemy.engine import Engine

from savor import apidocs, consenting, health, her_data, membership, ticker
from savor.app_files import AppFiles
from savor.caching import CachingMiddleware
from savor.config import Settings, get_settings
from savor.db import make_engine, make_writer_engine
from savor.ema import checkin_store
from savor.ema import routes as ema_routes
from savor.ema import service as ema_service
from savor.ema.instruments import default_instruments
from savor.ema.snapshots import Snapshots
from savor.errors import install_error_handlers
from savor.logs import RequestLogMiddleware, configure_logging
from savor.notify import routes as notify_routes
from savor.notify.seen import SeenDevices
from savor.notify.vapid import load_or_create_vapid_keys
from savor.practices import routes as practices_routes
from savor.practices.ratings import Ratings
from savor.practices.shipped import default_catalog
from savor.ratelimit import FailureLimiter
from savor.research import routes as research_routes
from savor.research.staff import routes as staff_routes
from savor.research.staff import team_routes as staff_team_routes
from savor.security import SecurityMiddleware
from savor.storing import Storer
from savor.storing.process import WriterProcess
from savor.storing.thread import WriteQueue
from savor.studies import routes as studies_routes

CONSOLE_DIR = Path(__file__).resolve().parents[2] / "console"
# Nothing about her requests leaves the server, even where the host configures OpenTelemetry.
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def _checkin_storer(settings: Settings, writer: WriteQueue) -> Storer:
    """Check-ins go to a writer process of their own (another core), or to the writer thread."""
    if not settings.writer_process:
        return writer
    return WriterProcess(
        settings.resolved_database_url,
        preload=[checkin_store.__name__],
        log_level=settings.log_level,
        log_format=settings.log_format,
    )


@cache
def _freeze_startup_objects() -> None:
    """Everything loaded at startup lives as long as the server: frozen, the collector stops
    rescanning it, which paused every request for ~90 ms a few times a second under load.
    Once per process: whatever garbage is frozen with it is never freed."""
    gc.freeze()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    app.state.checkin_storer.start()
    scheduler = None
    if settings.scheduler_enabled:
        scheduler = ticker.start_scheduler(
            ticker.scheduled_jobs(app), interval_seconds=settings.scheduler_interval_seconds
        )
    # The shipped content is read now, not by the first requests after a restart.
    default_catalog()
    default_instruments()
    _freeze_startup_objects()
    try:
        yield
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        app.state.checkin_storer.close()
        app.state.writer.close()
        app.state.writer.engine.dispose()
        app.state.engine.dispose()


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    # FastAPI's own docs pages load Swagger UI from a CDN: ours come from apidocs, when asked.
    app = FastAPI(
        title="Savor",
        version="0.1.0",
        lifespan=lifespan,
        telemetry=NO_TELEMETRY,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.resolved_database_url)
    url = settings.resolved_database_url
    app.state.writer = WriteQueue(make_writer_engine(url))
    app.state.checkin_storer = _checkin_storer(settings, app.state.writer)
    app.state.snapshots = Snapshots(app.state.engine)
    # Practices asks ema, which sits above it, to check and read her ratings.
    app.state.ratings = Ratings(
        check=ema_service.checked_ratings, feelings=ema_service.feeling_ratings
    )
    app.state.enroll_limiter = FailureLimiter(
        max_failures=settings.enrollment_max_failures,
        window=timedelta(seconds=settings.enrollment_lockout_seconds),
    )
    vapid_key = settings.vapid_private_key
    app.state.vapid_keys = load_or_create_vapid_keys(
        settings.data_dir, vapid_key.get_secret_value() if vapid_key else None
    )
    # Wrong tokens are far more common from a stale phone than from an attacker: a generous
    # limit that still makes guessing 256-bit tokens pointless.
    app.state.seen_devices = SeenDevices()
    app.state.participant_seen = app.state.seen_devices.note
    app.state.token_limiter = FailureLimiter(
        max_failures=settings.token_max_failures, window=timedelta(minutes=5)
    )
    # Staff passwords and codes: a few tries per account and per address, then a wait; an
    # account that keeps failing is locked until an admin unlocks it (research/staff).
    app.state.staff_limiter = FailureLimiter(max_failures=5, window=timedelta(minutes=15))
    install_error_handlers(app)
    app.add_middleware(RequestLogMiddleware)
    app.add_middleware(CachingMiddleware, pwa_dir=settings.pwa_dir)
    # Cheap phones on patchy data plans: the app shell and JSON go out compressed.
    app.add_middleware(GZipMiddleware, minimum_size=500)
    app.add_middleware(SecurityMiddleware)
    # Routes match in order: check-ins, the busiest by far, are tried first.
    app.include_router(ema_routes.router)
    app.include_router(health.router)
    # Her membership first: with it the participant paths keep the order they always had.
    app.include_router(membership.router)
    app.include_router(consenting.router)
    app.include_router(her_data.router)
    app.include_router(studies_routes.router)
    app.include_router(practices_routes.router)
    app.include_router(notify_routes.router)
    app.include_router(research_routes.router)
    app.include_router(staff_routes.router)
    app.include_router(staff_team_routes.router)
    if settings.api_docs:
        apidocs.install(app)
    # The study team's console: apart from her app, so no phone ever caches a page of it.
    if CONSOLE_DIR.is_dir():
        app.mount("/console", StaticFiles(directory=CONSOLE_DIR, html=True), name="console")
    if settings.pwa_dir.is_dir():
        app.mount("/", AppFiles(directory=settings.pwa_dir, html=True), name="pwa")
    return app
