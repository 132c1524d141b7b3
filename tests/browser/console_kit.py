"""The console in a 1280x800 browser: a seeded study, staff of each role signed in."""

from collections.abc import Iterator
from contextlib import contextmanager

from benchmarks.console_data import seed
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select

from savor.clock import utcnow
from savor.research.staff.roles import StaffRole
from savor.studies import service as studies_service
from savor.studies.models import Study
from tests.browser.conftest import LiveServer
from tests.research.staff.helpers import BASE, add_staff

DESK = {"width": 1280, "height": 800}
SCREENS = {
    StaffRole.COORDINATOR: [
        "today",
        "participants",
        "compliance",
        "enrollment",
        "protocol",
        "data",
    ],
    StaffRole.INVESTIGATOR: ["today", "participants", "compliance", "protocol", "data"],
    StaffRole.DATA_MANAGER: ["protocol", "data"],
    StaffRole.ADMIN: ["protocol", "data", "staff"],
}


def alerting_study(server: LiveServer) -> Study:
    """'pilot' with staff alerts on, so a crisis answer in the app raises one."""
    with Session(server.engine) as session:
        found = session.exec(select(Study).where(Study.slug == "pilot")).first()
        if found is not None:
            return found
        source = studies_service.protocol_source_for(slug="pilot", name="Pilot")
        source = source.replace("staff_alerts: false", "staff_alerts: true")
        study, _ = studies_service.apply_protocol(session=session, source=source, now=utcnow())
        return study


def seeded(server: LiveServer, participants: int = 12) -> list:
    study = alerting_study(server)
    return seed(server.engine, study, participants=participants, days=14)


@contextmanager
def staff_page(browser: Browser, server: LiveServer, role: StaffRole) -> Iterator[Page]:
    """A person of `role` signed in to the console; every page error, and anything the CSP
    refused, fails the test."""
    with Session(server.engine) as session:
        study = session.exec(select(Study).where(Study.slug == "pilot")).one()
        person = add_staff(session, study, role, f"{role.value}@site.example.org")
    context = browser.new_context(viewport=DESK, device_scale_factor=1, accept_downloads=True)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    page = context.new_page()
    # Anything the strict CSP blocks (an inline style, a script from elsewhere) fails the test.
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and errors.append(m.text),
    )
    body = {
        "email": person.email,
        "password": "correct horse battery staple",
        "totp_code": person.code(),
    }
    response = page.request.post(f"{server.url}{BASE}/session", data=body)
    assert response.ok, response.text()
    yield page
    context.close()
    assert not errors, errors


def open_screen(page: Page, server: LiveServer, screen: str) -> None:
    target = f"{server.url}/console/#/{screen}"
    # Going to the very address the page is on changes nothing: read the screen again then.
    if page.url == target:
        page.reload()
    else:
        page.goto(target)
    expect(page.locator("main h2").first).to_be_visible()
    expect(page.locator("main[aria-busy]")).to_have_count(0)
