"""The Staff screen (admins): change a colleague's role, lock her, see who has two-factor on."""

from playwright.sync_api import Browser, expect
from sqlmodel import Session, select

from savor.research.staff.models import StaffAccount, StaffStudyRole
from savor.research.staff.roles import StaffRole
from savor.studies.models import Study
from tests.browser.conftest import LiveServer
from tests.browser.console_kit import open_screen, seeded, staff_page
from tests.research.staff.helpers import BASE, add_staff


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


def _cy(server: LiveServer) -> None:
    seeded(server)
    with Session(server.engine) as session:
        study = session.exec(select(Study)).one()
        add_staff(session, study, StaffRole.COORDINATOR, "cy@site.example.org")


def test_an_admin_gets_a_new_setup_link_for_a_colleague_that_opens_her_setup(
    live_server: LiveServer, browser: Browser
):
    _cy(live_server)
    with staff_page(browser, live_server, StaffRole.ADMIN) as page:
        open_screen(page, live_server, "staff")
        page.get_by_role("button", name="New setup link for cy").click()
        link = page.locator(".secret")
        expect(link).to_contain_text("/console/#setup=svl_")
        token = link.inner_text().split("#setup=")[1]
        offer = page.request.post(
            f"{live_server.url}{BASE}/staff/setup/offer", data={"token": token}
        )
        assert offer.ok and offer.json()["email"] == "cy@site.example.org"


def test_removing_a_colleague_asks_once_more_and_keep_changes_nothing(
    live_server: LiveServer, browser: Browser
):
    _cy(live_server)
    with staff_page(browser, live_server, StaffRole.ADMIN) as page:
        open_screen(page, live_server, "staff")
        page.get_by_role("button", name="Remove cy").click()
        page.get_by_role("button", name="Keep").click()
        expect(page.get_by_role("button", name="Remove cy")).to_be_visible()
        page.get_by_role("button", name="Remove cy").click()
        page.get_by_role("button", name="Yes, remove").click()
        expect(page.locator("table.team tbody tr", has_text="cy@site")).to_have_count(0)
    with Session(live_server.engine) as session:
        cy = session.exec(select(StaffAccount).where(StaffAccount.email == "cy@site.example.org"))
        roles = session.exec(select(StaffStudyRole).where(StaffStudyRole.staff_id == cy.one().id))
        assert roles.all() == []


def test_the_only_admin_cannot_remove_herself_and_is_told_why(
    live_server: LiveServer, browser: Browser
):
    seeded(live_server)
    with staff_page(browser, live_server, StaffRole.ADMIN) as page:
        open_screen(page, live_server, "staff")
        page.get_by_role("button", name="Remove admin").click()
        page.get_by_role("button", name="Yes, remove").click()
        expect(page.locator("#status")).to_contain_text("admin")
        expect(page.locator("table.team tbody tr", has_text="admin@site")).to_have_count(1)
