"""Each console screen for each role: what it shows, axe-core finds nothing serious, and a
1280x800 screenshot of it lands in test-artifacts/."""

import gzip
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func
from sqlmodel import Session, select

from savor.ema.models import Response
from savor.research.staff.roles import StaffRole
from savor.studies.models import Study
from savor.studies.pseudonym import pseudonym
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.console_kit import SCREENS, open_screen, seeded, staff_page
from tests.browser.test_views import serious_violations

FIRST_VIEW_BYTES = 100 * 1024


@pytest.mark.parametrize("role", list(StaffRole), ids=[r.value for r in StaffRole])
def test_each_screen_of_each_role_passes_axe(live_server: LiveServer, browser: Browser, role):
    seeded(live_server)
    problems = {}
    with staff_page(browser, live_server, role) as page:
        open_screen(page, live_server, "")
        links = page.get_by_role("navigation", name="Screens").get_by_role("link")
        expect(links).to_have_count(len(SCREENS[role]))
        for screen in SCREENS[role]:
            open_screen(page, live_server, screen)
            expect(page.locator("nav a[aria-current=page]")).to_have_attribute(
                "href", f"#/{screen}"
            )
            if found := serious_violations(page):
                problems[screen] = found
            screenshot(page, f"console-{role.value}-{screen}")
    assert problems == {}


def test_a_screen_the_role_lacks_opens_her_first_one(live_server: LiveServer, browser: Browser):
    seeded(live_server)
    with staff_page(browser, live_server, StaffRole.DATA_MANAGER) as page:
        open_screen(page, live_server, "participants")
        expect(page.get_by_role("heading", name="Protocol", exact=True)).to_be_visible()
        status = page.request.get(f"{live_server.url}/api/research/v1/studies/pilot/roster").status
        assert status == 403


def _most_checked_in(server: LiveServer, ids: list[uuid.UUID]) -> str:
    """The pseudonym of the seeded woman with the most check-ins: pseudonyms are random, so
    a row picked by its place could be someone who joined an hour ago and answered nothing."""
    with Session(server.engine) as session:
        study = session.exec(select(Study).where(Study.slug == "pilot")).one()
        counts = {
            pid: session.exec(
                select(func.count()).select_from(Response).where(Response.participant_id == pid)
            ).one()
            for pid in ids
        }
    return pseudonym(study_secret=study.secret, participant_id=max(ids, key=counts.__getitem__))


def test_the_participant_page_draws_her_heatmap_and_trajectories(
    live_server: LiveServer, browser: Browser
):
    busiest = _most_checked_in(live_server, seeded(live_server))
    with staff_page(browser, live_server, StaffRole.INVESTIGATOR) as page:
        open_screen(page, live_server, "participants")
        page.locator("table.roster tbody tr").filter(has_text=busiest).get_by_role("link").click()
        expect(page.locator("svg.grid rect").first).to_be_visible()
        expect(page.locator("svg.lines path.line-craving")).to_have_count(1)
        expect(page.locator("svg.lines path.practice").first).to_be_attached()
        assert serious_violations(page) == []
        screenshot(page, "console-participant")


def test_study_compliance_shows_the_funnel_days_and_hours(
    live_server: LiveServer, browser: Browser
):
    seeded(live_server)
    with staff_page(browser, live_server, StaffRole.COORDINATOR) as page:
        open_screen(page, live_server, "compliance")
        expect(page.locator("table.funnel tbody tr").first).to_be_visible()
        expect(page.locator("svg.grid text.axis")).to_have_count(12)
        expect(page.locator("svg.bars rect.bar")).to_have_count(24)


def _first_view(page: Page, url: str) -> tuple[int, list[str]]:
    sizes: list[tuple[str, int]] = []

    def finished(request) -> None:
        response = request.response()
        if response is not None:
            sizes.append((request.url, len(gzip.compress(response.body(), 6))))

    page.on("requestfinished", finished)
    page.goto(url, wait_until="networkidle")
    page.remove_listener("requestfinished", finished)
    return sum(s for _, s in sizes), [u for u, _ in sizes]


def test_the_first_view_signed_in_is_at_most_100_kb(live_server: LiveServer, browser: Browser):
    seeded(live_server)
    with staff_page(browser, live_server, StaffRole.COORDINATOR) as page:
        compressed, urls = _first_view(page, f"{live_server.url}/console/")
        expect(page.get_by_role("heading", name="Today")).to_be_visible()
        print(f"console first view: {len(urls)} responses, {compressed / 1024:.1f} KB gzip")
        assert compressed <= FIRST_VIEW_BYTES, urls


def test_on_a_tablet_no_screen_scrolls_sideways(live_server: LiveServer, browser: Browser):
    seeded(live_server)
    with staff_page(browser, live_server, StaffRole.COORDINATOR) as page:
        page.set_viewport_size({"width": 820, "height": 1180})
        for screen in SCREENS[StaffRole.COORDINATOR]:
            open_screen(page, live_server, screen)
            wide = page.evaluate("document.documentElement.scrollWidth - innerWidth")
            assert wide <= 0, f"{screen} is {wide}px wider than the tablet"
        open_screen(page, live_server, "participants")
        screenshot(page, "console-tablet-participants")
