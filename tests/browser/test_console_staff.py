"""The Staff screen (admins): change a colleague's role, lock her, see who has two-factor on."""

from playwright.sync_api import Browser, expect
from sqlmodel import Session, select

from savor.research.staff.models import StaffAccount
from savor.research.staff.roles import StaffRole
from savor.studies.models import Study
from tests.browser.conftest import LiveServer
from tests.browser.console_kit import open_screen, seeded, staff_page
from tests.research.staff.helpers import add_staff


def test_an_admin_changes_a_role_and_locks_a_colleague(live_server: LiveServer, browser: Browser):
    seeded(live_server)
    with Session(live_server.engine) as session:
        study = session.exec(select(Study)).one()
        add_staff(session, study, StaffRole.COORDINATOR, "cy@site.example.org", two_factor=False)
    with staff_page(browser, live_server, StaffRole.ADMIN) as page:
        open_screen(page, live_server, "staff")
        row = page.locator("table.team tbody tr", has_text="cy@site.example.org")
        expect(row.locator("td").nth(3)).to_have_text("off")
        row.get_by_label("Role of cy").select_option("investigator")
        expect(
            page.locator("table.team tbody tr", has_text="cy@site").get_by_label("Role of cy")
        ).to_have_value("investigator")
        page.get_by_role("button", name="Lock cy").click()
        expect(page.get_by_role("button", name="Unlock cy")).to_be_visible()
        with Session(live_server.engine) as session:
            cy = session.exec(
                select(StaffAccount).where(StaffAccount.email == "cy@site.example.org")
            ).one()
            assert cy.locked_at is not None
