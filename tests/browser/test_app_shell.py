"""Joining from a link, what makes the app installable, and the safety features of the shell."""

import re
import struct
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from savor.studies.models import Participant
from tests.browser.conftest import LiveServer, enroll, read_json

PWA = Path(__file__).resolve().parents[2] / "pwa"


def _keys(tree: dict, prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for name, value in tree.items():
        path = f"{prefix}{name}"
        is_plural = isinstance(value, dict) and "other" in value
        keys |= _keys(value, f"{path}.") if isinstance(value, dict) and not is_plural else {path}
    return keys


def test_english_and_spanish_have_the_same_strings():
    english = _keys(read_json(PWA / "i18n" / "en.json"))
    spanish = _keys(read_json(PWA / "i18n" / "es.json"))
    assert english - spanish == set(), "missing in es.json"
    assert spanish - english == set(), "missing in en.json"


def test_enroll_from_a_link_with_help_one_tap_away(live_server: LiveServer, phone: Page):
    code = live_server.code()
    phone.goto(f"{live_server.url}/?code={code}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Welcome")
    expect(phone.get_by_label("Your study code")).to_have_value(code)
    expect(phone.get_by_role("link", name="Get help")).to_be_visible()
    expect(phone.get_by_role("button", name="Quick exit")).to_be_visible()
    phone.get_by_label("I usually wake up at").fill("06:30")
    phone.get_by_role("button", name="Join the study").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Before you join")
    phone.get_by_role("button", name="I agree and I want to join").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hello")
    assert "code=" not in phone.url
    expect(phone.get_by_role("link", name="Start")).to_be_visible()
    phone.get_by_role("link", name="Get help").click()
    expect(phone.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    [participant] = live_server.rows(Participant)
    assert participant.language == "en"
    assert participant.wake_time.isoformat() == "06:30:00"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_install_criteria(live_server: LiveServer, phone: Page):
    enroll(phone, live_server)
    href = phone.locator("link[rel=manifest]").get_attribute("href")
    manifest = phone.request.get(live_server.url + href).json()
    for name in ("id", "name", "short_name", "start_url", "scope"):
        assert manifest[name], name
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] and manifest["background_color"]
    sizes = {}
    for icon in manifest["icons"]:
        response = phone.request.get(live_server.url + icon["src"])
        assert response.ok and response.headers["content-type"] == "image/png"
        sizes[(icon["sizes"], icon.get("purpose", "any"))] = _png_size(response.body())
    assert sizes[("192x192", "any")] == (192, 192)
    assert sizes[("512x512", "any")] == (512, 512)
    assert sizes[("512x512", "maskable")] == (512, 512)
    assert phone.evaluate("navigator.serviceWorker.controller?.scriptURL").endswith("/sw.js")


def test_quick_exit_shows_a_plain_clock(live_server: LiveServer, phone: Page):
    enroll(phone, live_server)
    phone.goto(f"{live_server.url}/#/reflect")
    phone.get_by_label("What was I feeling?").fill("tired and proud")
    phone.get_by_role("button", name="Quick exit").click()
    expect(phone).to_have_title("Clock")
    expect(phone.get_by_text("tired and proud")).to_have_count(0)
    expect(phone.get_by_role("link", name="Get help")).to_have_count(0)
    assert "#" not in phone.url
    phone.locator("#neutral-clock").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hello")


def test_history_shows_no_trail_of_screens_and_quick_exit_leaves_it(
    live_server: LiveServer, phone: Page
):
    enroll(phone, live_server)
    phone.goto("about:blank")
    phone.goto(live_server.url + "/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hello")
    opened = phone.evaluate("history.length")
    nav = phone.get_by_role("navigation")
    for tab, heading in [("Practice", "Practices"), ("Reflect", "Reflect"), ("Settings", "")]:
        nav.get_by_role("link", name=tab).click()
        expect(phone.get_by_role("heading", level=1)).to_have_text(heading or tab)
        assert phone.title() == "Savor"
    phone.get_by_role("link", name="Get help").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Get help now")
    assert phone.title() == "Savor"
    assert phone.evaluate("history.length") == opened
    phone.get_by_role("button", name="Quick exit").click()
    expect(phone).to_have_title("Clock")
    assert phone.evaluate("history.length") == opened
    phone.go_back()
    assert phone.url == "about:blank"


def test_app_pin_locks_but_never_hides_help(
    live_server: LiveServer, phone_context: BrowserContext, phone: Page
):
    enroll(phone, live_server)
    phone.goto(f"{live_server.url}/#/settings")
    phone.get_by_label("New PIN").fill("2468")
    phone.get_by_label("Type the PIN again").fill("2468")
    phone.get_by_role("button", name="Turn on the PIN").click()
    expect(phone.get_by_role("status")).to_have_text("Your PIN is on.")
    stored = phone.evaluate("import('/app.js').then(({ db }) => db.kv.get('pin'))")
    assert "2468" not in str(stored) and len(stored["salt"]) > 16
    again = phone_context.new_page()
    again.goto(live_server.url + "/#/reflect")
    expect(again.get_by_role("heading", level=1)).to_have_text("Enter your PIN")
    again.get_by_role("link", name="Get help").click()
    expect(again.get_by_role("heading", level=1)).to_have_text("Get help now")
    again.get_by_role("navigation").get_by_role("link", name="Home").click()
    again.get_by_label("PIN").fill("1111")
    again.get_by_role("button", name="Open").click()
    expect(again.get_by_role("alert").filter(has_text="did not match")).to_be_visible()
    again.get_by_label("PIN").fill("2468")
    again.get_by_role("button", name="Open").click()
    expect(again.get_by_role("heading", level=1)).to_have_text("Hello")


def test_journal_never_leaves_the_phone_and_deletes_in_one_tap(
    live_server: LiveServer, phone: Page
):
    enroll(phone, live_server)
    phone.goto(f"{live_server.url}/#/reflect")
    before = len(live_server.recorder.requests)
    phone.get_by_label("What was I feeling?").fill("worried about money")
    phone.get_by_label("What might my baby have been feeling?").fill("sleepy")
    phone.get_by_role("button", name="Save on this phone").click()
    expect(phone.get_by_text("worried about money")).to_be_visible()
    assert [r for r in live_server.recorder.requests[before:] if r[0] != "GET"] == []
    phone.get_by_role("button", name=re.compile(r"^Delete \w{3}, ")).click()
    expect(phone.get_by_text("worried about money")).to_have_count(0)
    expect(phone.get_by_text("No notes yet.")).to_be_visible()


def test_help_works_before_joining_and_without_a_connection(
    live_server: LiveServer, phone_context: BrowserContext, phone: Page
):
    phone.goto(live_server.url + "/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Welcome")
    phone.evaluate("navigator.serviceWorker.ready")
    phone_context.set_offline(True)
    phone.reload()
    phone.get_by_role("link", name="Get help").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Get help now")
    for number in ("988", "911", "18006624357", "18338526262", "18002221222"):
        expect(phone.locator(f"main a[href='tel:{number}']")).to_have_count(1)
    expect(phone.get_by_role("link", name="Text 988")).to_have_attribute("href", "sms:988")
