"""New versions of the app: downloaded behind her, applied between practices, never in one; a
version that fails to start gives way to the last good one; and once installed, Home, the
breathing break and crisis help need nothing from the network."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import PWA, LiveServer, enroll, new_phone
from tests.browser.test_offline import reached_server

CHECK = "import('/app.js').then(({ updates }) => updates.check())"
VERSION = "fetch('/version.json').then(r => r.json()).then(m => m.version)"


@pytest.fixture
def pwa_dir(tmp_path: Path) -> Path:
    copy = tmp_path / "pwa"
    shutil.copytree(PWA, copy)
    return copy


def deploy(pwa_dir: Path, path: str, old: str, new: str) -> None:
    """A new version of the app: one file changed on the server."""
    file = pwa_dir / path
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def start_breathing_break(page: Page) -> None:
    page.get_by_role("link", name="Breathing break").click()
    page.get_by_label("1 minute").check()
    page.get_by_role("button", name="Begin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Before you begin")
    page.get_by_role("button", name="Skip").click()
    expect(page.get_by_text("Step 1 of 3")).to_be_visible()


def test_an_update_waits_for_the_practice_to_end(
    live_server: LiveServer, pwa_dir: Path, phone: Page
):
    enroll(phone, live_server)
    start_breathing_break(phone)
    step = phone.locator("#step-text").inner_text()
    phone.evaluate("window.sameDocument = true")
    deploy(pwa_dir, "i18n/en.json", '"title": "Hello"', '"title": "Hello again"')
    assert phone.evaluate(CHECK) is True  # downloaded and ready, behind her

    expect(phone.locator("#step-text")).to_have_text(step)
    phone.get_by_role("button", name="Next step").click()
    phone.get_by_role("button", name="Next step").click()
    phone.get_by_role("button", name="Finish").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("How are you now?")
    phone.get_by_role("button", name="Skip").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you for taking this time")
    assert phone.evaluate("window.sameDocument") is True  # the practice was never interrupted

    phone.locator("main .actions").get_by_role("link", name="Home").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hello again")
    expect(phone.get_by_role("status")).to_have_text("Savor was updated.")
    assert phone.evaluate("window.sameDocument") is None


@pytest.fixture
def tolerant_phone(browser: Browser) -> Iterator[BrowserContext]:
    """A phone whose page errors are checked by the test itself (a broken version throws)."""
    context = new_phone(browser)
    yield context
    context.close()


def test_a_version_that_fails_to_start_leaves_her_on_the_last_good_one(
    live_server: LiveServer, pwa_dir: Path, tolerant_phone: BrowserContext
):
    phone = tolerant_phone.new_page()
    enroll(phone, live_server)
    good = phone.evaluate(VERSION)
    deploy(pwa_dir, "i18n/en.json", '"title": "Hello"', '"title": "Broken"')
    deploy(pwa_dir, "app.js", "// Built by", "}} not javascript\n// Built by")
    assert phone.evaluate(CHECK) is True
    phone.close()

    again = tolerant_phone.new_page()
    again.goto(live_server.url + "/")
    expect(again.get_by_role("heading", level=1)).to_have_text("Hello")
    errors = tolerant_phone.errors  # type: ignore[attr-defined]
    assert errors and all("SyntaxError" in e or "Unexpected" in e for e in errors), errors
    started = again.evaluate("import('/app.js').then(({ updates }) => updates.ask('started'))")
    assert started["version"] == good
    again.reload()  # the broken version is not tried again
    expect(again.get_by_role("heading", level=1)).to_have_text("Hello")


def test_home_breathing_break_and_help_work_offline_from_the_first_byte(
    live_server: LiveServer, phone_context: BrowserContext, phone: Page
):
    enroll(phone, live_server)
    phone.close()
    phone_context.set_offline(True)
    before = len(live_server.recorder.requests)

    page = phone_context.new_page()
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello")
    start_breathing_break(page)
    page.get_by_role("link", name="Get help").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get help now")
    expect(page.get_by_role("link", name="Call 988")).to_be_visible()
    assert reached_server(live_server, before) == []
