"""Today and Participants used with the keyboard alone: Tab to move, Enter to act."""

from playwright.sync_api import Page, expect
from sqlmodel import Session

from savor.clock import utcnow
from savor.ema.alerts import StaffAlert
from savor.ema.models import Response
from savor.research.staff.roles import StaffRole
from tests.browser.conftest import LiveServer
from tests.browser.console_kit import open_screen, seeded, staff_page

# The focused element's name: its label's text for a field, else its own text.
FOCUSED_TEXT = """(() => {
  const e = document.activeElement;
  return ((e.labels && e.labels.length ? e.labels[0] : e).textContent || "").trim();
})()"""


def tab_to(page: Page, text: str, *, limit: int = 80) -> None:
    """Press Tab until the focused element reads `text` (start of it), as a person would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if (page.evaluate(FOCUSED_TEXT) or "").startswith(text):
            return
    raise AssertionError(f"Tab never reached {text!r}")


def _an_alert(server: LiveServer) -> None:
    answer = server.rows(Response)[0]
    with Session(server.engine) as session:
        session.add(
            StaffAlert(
                participant_id=answer.participant_id,
                response_id=answer.id,
                items=["C1"],
                created_at=utcnow(),
            )
        )
        session.commit()


def test_today_by_keyboard_acknowledges_and_opens_a_flagged_participant(
    live_server: LiveServer, browser
):
    seeded(live_server)
    _an_alert(live_server)
    with staff_page(browser, live_server, StaffRole.COORDINATOR) as page:
        open_screen(page, live_server, "today")
        tab_to(page, "Acknowledge alert for")
        page.keyboard.press("Enter")
        expect(page.locator("table.alerts tbody tr")).to_have_count(0)
        expect(page.get_by_role("status").first).to_contain_text("acknowledged")
        flagged = page.locator("table.flagged a").first.inner_text()
        tab_to(page, flagged)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name=f"Participant {flagged}")).to_be_visible()


def test_participants_by_keyboard_sorts_filters_and_opens_one(live_server: LiveServer, browser):
    seeded(live_server)
    with staff_page(browser, live_server, StaffRole.INVESTIGATOR) as page:
        open_screen(page, live_server, "participants")
        rows = page.locator("table.roster tbody tr")
        expect(rows).to_have_count(12)
        tab_to(page, "Notifications")  # the filter (a select): choose "failing" with arrows
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        expect(rows).to_have_count(1)
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowUp")
        expect(rows).to_have_count(12)
        tab_to(page, "Week")
        page.keyboard.press("Enter")
        week = page.locator("th[data-key=program_week]")
        expect(week).to_have_attribute("aria-sort", "ascending")
        page.keyboard.press("Enter")
        expect(week).to_have_attribute("aria-sort", "descending")
        first = rows.first.get_by_role("link").inner_text()
        tab_to(page, first)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name=f"Participant {first}")).to_be_visible()
