"""A live server on loopback and Debian's Chromium driven by Playwright, on a phone-sized screen."""

import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from savor.clock import utcnow
from savor.config import Settings
from savor.ema import registry
from savor.ema.models import Prompt
from savor.main import create_app
from savor.studies import service as studies_service
from savor.studies.models import Participant, Study
from tests.conftest import TEST_SECRET
from tests.servers import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PWA = Path(__file__).resolve().parents[2] / "pwa"
PHONE = {"width": 390, "height": 844}


class Recorder:
    """ASGI wrapper that notes every request, so a test can prove nothing reached the server."""

    def __init__(self, app) -> None:
        self.app = app
        self.requests: list[tuple[str, str]] = []

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            self.requests.append((scope["method"], scope["path"]))
        await self.app(scope, receive, send)


@dataclass
class LiveServer:
    url: str
    settings: Settings
    engine: Engine
    recorder: Recorder

    def study(self, session: Session, *, audio: list[dict] | None = None) -> Study:
        """The study 'pilot' with the default protocol, plus any recordings to attach."""
        study = studies_service.get_study(session=session, slug="pilot")
        if study is None or audio:
            source = studies_service.protocol_source_for(slug="pilot", name="Pilot")
            if audio:
                source = source.replace("  audio: []", f"  audio: {json.dumps(audio)}", 1)
            study, _ = studies_service.apply_protocol(session=session, source=source, now=utcnow())
        return study

    def code(self, *, audio: list[dict] | None = None) -> str:
        """A fresh enrollment code for the study 'pilot'."""
        with Session(self.engine) as session:
            return studies_service.create_enrollment_codes(
                session=session,
                study=self.study(session, audio=audio),
                count=1,
                expires_in_days=7,
                pepper=self.settings.pepper(),
                now=utcnow(),
            )[0]

    def participant(self) -> Participant:
        with Session(self.engine) as session:
            found = session.exec(select(Participant)).all()
            assert len(found) == 1, found
            return found[0]

    def open_prompt(self, instrument_id: str = "momentary") -> uuid.UUID:
        """A check-in that is due now, as the scheduler would have made it."""
        participant = self.participant()
        now = utcnow()
        with Session(self.engine) as session:
            prompt = Prompt(
                participant_id=participant.id,
                schedule_id="random",
                kind="random",
                instrument_id=instrument_id,
                instrument_version=str(registry.current(instrument_id).version),
                protocol_version=1,
                local_date=now.date(),
                slot=len(session.exec(select(Prompt)).all()),
                status="sent",
                scheduled_at=now - timedelta(minutes=1),
                sent_at=now - timedelta(minutes=1),
                expires_at=now + timedelta(hours=1),
            )
            session.add(prompt)
            session.commit()
            return prompt.id

    def rows(self, model) -> list:
        with Session(self.engine) as session:
            return list(session.exec(select(model)).all())


@pytest.fixture
def pwa_dir() -> Path:
    """The app the live server ships; a test that deploys new versions gives it a copy."""
    return PWA


@pytest.fixture
def live_settings() -> dict:
    """Settings a test's live server needs beyond the usual ones."""
    return {}


@contextmanager
def serving(settings: Settings) -> Iterator[LiveServer]:
    """The app for `settings` served by uvicorn in a thread, every request recorded."""
    app = create_app(settings)
    recorder = Recorder(app)
    config = uvicorn.Config(recorder, port=settings.port, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{settings.port}", settings, app.state.engine, recorder)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live_server(
    tmp_path: Path, sqlite_template: Path, pwa_dir: Path, live_settings: dict
) -> Iterator[LiveServer]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(sqlite_template, data_dir / "savor.db")
    settings = Settings(
        data_dir=data_dir,
        port=free_port(),
        secret_key=TEST_SECRET,
        scheduler_enabled=False,
        pwa_dir=pwa_dir,
        _env_file=None,  # type: ignore[call-arg]
        **live_settings,
    )
    with serving(settings) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_phone(browser: Browser, **options) -> BrowserContext:
    """A 390x844 phone with touch; every page error fails the test that made it."""
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True, **options
    )
    context.errors = []  # type: ignore[attr-defined]
    context.on("weberror", lambda error: context.errors.append(str(error.error)))  # type: ignore[attr-defined]
    return context


@pytest.fixture
def phone_context(browser: Browser) -> Iterator[BrowserContext]:
    context = new_phone(browser)
    yield context
    errors = context.errors  # type: ignore[attr-defined]
    context.close()
    assert not errors, errors


@pytest.fixture
def phone(phone_context: BrowserContext) -> Page:
    return phone_context.new_page()


def enroll(page: Page, server: LiveServer, *, audio: list[dict] | None = None) -> None:
    """Join through an enrollment link, and wait until the app is ready to work offline."""
    page.goto(f"{server.url}/?code={server.code(audio=audio)}")
    page.get_by_role("button", name="Join the study").click()
    page.get_by_role("button", name="I agree and I want to join").click()
    expect(page.locator("html[data-offline-ready]")).to_have_count(1, timeout=15_000)


def missing_strings(page: Page) -> list[str]:
    return page.evaluate("import('/app.js').then(app => [...app.i18n.missing])")


def screenshot(page: Page, name: str) -> Path:
    """What she sees on a 390x844 screen; FULL_PAGE_SHOTS=1 photographs whole pages instead."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=os.environ.get("FULL_PAGE_SHOTS") == "1")
    return path


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
