"""The console's day, end to end: a coordinator acknowledges the alert a crisis answer in the
app raised, prints 10 enrollment cards and sees why a participant's notifications fail; an
admin fixes a protocol mistake shown on its line and applies it; a data manager downloads the
responses CSV. A screenshot of each step lands in test-artifacts/."""

import re
import time

from playwright.sync_api import Browser, Page, expect

from savor.ema.alerts import StaffAlert
from savor.research.staff.roles import StaffRole
from tests.browser.conftest import ARTIFACTS, LiveServer, enroll, new_phone, screenshot
from tests.browser.console_kit import open_screen, seeded, staff_page


def _crisis_checkin_in_the_app(browser: Browser, server: LiveServer) -> None:
    phone = new_phone(browser)
    page = phone.new_page()
    enroll(page, server)
    page.goto(f"{server.url}/#/checkin/hard")
    slider = page.locator("#checkin input[type=range]").first
    slider.focus()
    slider.press("End")
    page.locator("#checkin button[type=submit]").click()
    expect(page.locator("#offers a[href^='tel:']").first).to_be_visible()
    for _ in range(100):
        if server.rows(StaffAlert):
            break
        time.sleep(0.1)
    phone.close()
    assert len(server.rows(StaffAlert)) == 1


def _pdf_pages(page: Page, paper: str) -> int:
    page.locator("select[name=paper]").select_option(paper.lower())
    path = ARTIFACTS / f"console-story-cards-{paper.lower()}.pdf"
    page.pdf(path=str(path), format=paper, print_background=True)
    return path.read_bytes().count(b"/Type /Page\n") + path.read_bytes().count(b"/Type /Page/")


def test_a_coordinator_acknowledges_prints_and_sees_why(live_server: LiveServer, browser: Browser):
    seeded(live_server)
    _crisis_checkin_in_the_app(browser, live_server)
    with staff_page(browser, live_server, StaffRole.COORDINATOR) as page:
        open_screen(page, live_server, "today")
        alerts = page.locator("table.alerts tbody tr")
        expect(alerts).to_have_count(1)
        expect(alerts).to_contain_text("min ago")
        expect(alerts).to_contain_text("craving (C1)")
        screenshot(page, "console-story-1-alert")
        alerts.get_by_role("button").click()
        expect(page.get_by_role("status").first).to_contain_text("acknowledged")
        expect(alerts).to_have_count(0)
        screenshot(page, "console-story-2-acknowledged")
        assert (
            live_server.rows(StaffAlert)[0].acknowledged_by == "staff:coordinator@site.example.org"
        )

        open_screen(page, live_server, "enrollment")
        page.get_by_label("How many codes").fill("10")
        page.get_by_role("button", name="Make codes").click()
        cards = page.locator(".sheet .card")
        expect(cards).to_have_count(10)
        expect(cards.first.locator(".qr svg")).to_be_visible()
        expect(cards.first.locator(".code")).to_have_text(re.compile(r"^[A-Z0-9-]{6,}$"))
        screenshot(page, "console-story-3-cards")
        page.emulate_media(media="print")
        screenshot(page, "console-story-4-print-preview")
        page.emulate_media(media="screen")
        assert _pdf_pages(page, "A4") == 2
        assert _pdf_pages(page, "Letter") == 2

        open_screen(page, live_server, "participants")
        page.get_by_label("Notifications").select_option("failing")
        page.locator("table.roster tbody tr").first.get_by_role("link").click()
        expect(page.locator("p.warn")).to_contain_text("No phone is signed up for notifications")
        screenshot(page, "console-story-5-failing")


def test_an_admin_fixes_a_protocol_mistake_on_its_line(live_server: LiveServer, browser: Browser):
    seeded(live_server)
    with staff_page(browser, live_server, StaffRole.ADMIN) as page:
        open_screen(page, live_server, "protocol")
        editor = page.get_by_label("The protocol (YAML)")
        source = editor.input_value()
        line = source.splitlines().index("    per_day: 3") + 1
        editor.fill(source.replace("per_day: 3", "per_day: 30"))
        page.get_by_role("button", name="Check").click()
        problem = page.locator(f"ol.yaml li#line-{line} .problem")
        expect(problem).to_contain_text(f"Line {line}: schedules[0].per_day")
        expect(page.get_by_role("button", name="Apply")).to_be_disabled()
        problem.scroll_into_view_if_needed()
        screenshot(page, "console-story-6-protocol-mistake")
        editor.fill(source.replace("per_day: 3", "per_day: 5"))
        page.get_by_role("button", name="Check").click()
        expect(page.locator("ul.changes")).to_contain_text("2 more prompt(s) a day")
        expect(page.locator("pre.diff .op-add")).to_contain_text("per_day: 5")
        screenshot(page, "console-story-7-protocol-changes")
        page.get_by_role("button", name="Apply").click()
        expect(page.locator("p.done")).to_have_text("Applied: version 2 is in force.")
        screenshot(page, "console-story-8-protocol-applied")


def test_a_data_manager_downloads_the_responses_csv(live_server: LiveServer, browser: Browser):
    seeded(live_server)
    with staff_page(browser, live_server, StaffRole.DATA_MANAGER) as page:
        open_screen(page, live_server, "data")
        row = page.locator("table.exports tbody tr", has_text="responses").first
        with page.expect_download() as started:
            row.get_by_role("link", name="CSV", exact=True).click()
        path = started.value.path()
        header = path.read_text().splitlines()[0]
        assert header.startswith("pseudonym,")
        assert len(path.read_text().splitlines()) > 100
        open_screen(page, live_server, "data")
        row = page.locator("table.exports tbody tr", has_text="responses").first
        next_since = started.value.page.request.get(
            f"{live_server.url}/api/research/v1/studies/pilot/exports/last"
        ).json()[0]["next_since"]
        expect(row).to_contain_text(f"{next_since} (")
        with page.expect_download() as again:
            row.get_by_role("link", name="CSV of what is new since").click()
        assert len(again.value.path().read_text().splitlines()) == 1  # nothing new: the header
        screenshot(page, "console-story-9-data")
