"""The study team's console: the first admin follows her setup link, signs in with her app's
code, invites a coordinator on the Staff screen and finds it in the audit on the Data screen."""

from datetime import UTC, datetime, timedelta

import pyotp
from playwright.sync_api import Browser, expect
from sqlmodel import Session

from savor.clock import utcnow
from savor.research.staff import service as staff_service
from savor.research.staff.roles import StaffRole
from tests.browser.conftest import LiveServer

PASSWORD = "correct horse battery staple"


def _first_admin(server: LiveServer) -> str:
    with Session(server.engine) as session:
        _, token = staff_service.invite(
            session=session,
            email="ana@site.example.org",
            display_name="Ana",
            study=server.study(session),
            role=StaffRole.ADMIN,
            by="cli",
            now=utcnow(),
        )
        session.commit()
    return token


def test_the_first_admin_sets_up_signs_in_and_invites(live_server: LiveServer, browser: Browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/console/#setup={_first_admin(live_server)}")
    expect(page.get_by_text("Welcome, Ana")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your app")).to_be_visible()
    app_on_her_phone = pyotp.TOTP(page.locator("p.secret").inner_text())
    page.get_by_label("Password (12 characters or more)").fill(PASSWORD)
    page.get_by_label("The 6-digit code your app shows").fill(app_on_her_phone.now())
    page.get_by_role("button", name="Finish setup").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator("li.secret")).to_have_count(10)

    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Email").fill("ana@site.example.org")
    page.get_by_label("Password").fill(PASSWORD)
    # The code typed at setup is spent: she types the next one her app shows.
    next_code = app_on_her_phone.at(datetime.now(UTC) + timedelta(seconds=30))
    page.get_by_label("Code from your app (or a recovery code)").fill(next_code)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Protocol", exact=True)).to_be_visible()

    page.get_by_role("link", name="Staff").click()
    page.get_by_label("Email").fill("bo@site.example.org")
    page.get_by_label("Name").fill("Bo")
    page.locator("form select[name=role]").select_option("coordinator")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_text("#setup=svl_")).to_be_visible()
    page.reload()
    team = page.locator("table.team")
    expect(team).to_contain_text("bo@site.example.org")
    expect(team.get_by_label("Role of Bo")).to_have_value("coordinator")
    page.get_by_role("link", name="Data").click()
    audit = page.locator("table.audit")
    expect(audit).to_contain_text("staff:ana@site.example.org")
    expect(audit).to_contain_text("staff.invite")
    page.get_by_label("What (action, such as export)").fill("staff.invite")
    page.get_by_role("button", name="Show").click()
    expect(audit.locator("tbody tr")).to_have_count(1)
    context.close()
