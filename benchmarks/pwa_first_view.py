"""Bytes a phone downloads for the PWA's first view, gzip-compressed. Target: at most 50 KB.

Starts the app on loopback with a fresh SQLite database, opens it in Debian's Chromium at
390x844 and counts every response the page needs before the network goes quiet:

- "enroll": a new visitor following her enrollment link (nothing cached);
- "home": an enrolled mother opening the app with an empty browser cache.

The service worker is blocked while measuring, so its background precache (listed apart) is
not counted against the first view. Each body is gzip-compressed here at level 6, which is
what a server or proxy with compression would send.

    .venv/bin/python -m benchmarks.pwa_first_view
"""

import gzip
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from playwright.sync_api import BrowserContext, Page, sync_playwright
from sqlmodel import Session

from savor import migrate
from savor.clock import utcnow
from savor.config import Settings
from savor.main import create_app
from savor.studies import service as studies_service

TARGET_BYTES = 50 * 1024
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Tally:
    rows: list[tuple[str, int, int]] = field(default_factory=list)

    def add(self, url: str, body: bytes) -> None:
        self.rows.append((url, len(body), len(gzip.compress(body, 6))))

    @property
    def raw(self) -> int:
        return sum(r[1] for r in self.rows)

    @property
    def compressed(self) -> int:
        return sum(r[2] for r in self.rows)


def _serve(data_dir: Path) -> tuple[str, Settings, uvicorn.Server]:
    migrate.upgrade(f"sqlite:///{data_dir / 'savor.db'}")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(data_dir=data_dir, port=port, scheduler_enabled=False, _env_file=None)  # type: ignore[call-arg]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), port=port, log_level="warning", log_config=None)
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", settings, server


def _code(settings: Settings) -> str:
    from savor.db import make_engine

    engine = make_engine(settings.resolved_database_url)
    with Session(engine) as session:
        now = utcnow()
        study = studies_service.create_study(session=session, slug="bench", name="Bench", now=now)
        codes = studies_service.create_enrollment_codes(
            session=session,
            study=study,
            count=1,
            expires_in_days=1,
            pepper=settings.pepper(),
            now=now,
        )
    engine.dispose()
    return codes[0]


def _measure(page: Page, url: str) -> Tally:
    tally = Tally()

    def finished(request) -> None:
        response = request.response()
        if response is not None:
            tally.add(request.url, response.body())

    page.on("requestfinished", finished)
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(300)
    page.remove_listener("requestfinished", finished)
    return tally


def _phone(browser, **options) -> BrowserContext:
    return browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, **options
    )


def _report(name: str, tally: Tally, base: str) -> None:
    print(
        f"\n{name}: {len(tally.rows)} responses, {tally.raw:,} bytes raw, "
        f"{tally.compressed:,} bytes gzip ({tally.compressed / 1024:.1f} KB)"
    )
    for url, raw, packed in sorted(tally.rows, key=lambda r: -r[2]):
        print(f"  {packed:>7,} gz {raw:>8,} raw  {url.removeprefix(base)}")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        base, settings, server = _serve(Path(tmp))
        code = _code(settings)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        visitor = _phone(browser, service_workers="block").new_page()
        enroll = _measure(visitor, f"{base}/?code={code}")
        visitor.get_by_role("button", name="Join the study").click()
        visitor.get_by_role("button", name="I agree and I want to join").click()
        visitor.wait_for_selector("text=Hello")
        token = visitor.evaluate("import('/app.js').then(({ db }) => db.kv.get('token'))")

        returning = _phone(browser, service_workers="block").new_page()
        returning.goto(f"{base}/#/help")
        returning.evaluate("t => import('/app.js').then(({ db }) => db.kv.set('token', t))", token)
        returning.context.new_cdp_session(returning).send("Network.clearBrowserCache")
        home = _measure(returning, f"{base}/")

        installing = _phone(browser)
        precache = Tally()
        from_worker = []
        installing.on("requestfinished", lambda r: r.service_worker and from_worker.append(r))
        page = installing.new_page()
        page.goto(f"{base}/?code=unused")
        while not page.evaluate("navigator.serviceWorker.controller !== null"):
            page.wait_for_timeout(100)
        for url in sorted({r.url for r in from_worker}):
            precache.add(url, installing.request.get(url).body())
        browser.close()
        server.should_exit = True

    _report("First view, new visitor (enroll)", enroll, base)
    _report("First view, enrolled, empty cache (home)", home, base)
    print(
        f"\nThe service worker's precache, once, in the background: {len(precache.rows)} files,"
        f" {precache.compressed:,} bytes gzip ({precache.raw:,} raw)."
    )
    worst = max(enroll.compressed, home.compressed)
    verdict = "within" if worst <= TARGET_BYTES else "OVER"
    print(f"\nFirst view: {worst:,} bytes gzip, {verdict} the {TARGET_BYTES:,}-byte target.")
    return 0 if worst <= TARGET_BYTES else 1


if __name__ == "__main__":
    raise SystemExit(main())
