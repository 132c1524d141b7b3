"""In a study running a micro-randomized trial, the practice her check-in drew is offered."""

from playwright.sync_api import Page, expect
from sqlmodel import Session

from savor.clock import utcnow
from savor.ema.decisions.models import Decision
from savor.studies import service as studies_service
from tests.browser.conftest import LiveServer, enroll, missing_strings, screenshot
from tests.decisions.protocols import DECISIONS

SAVORING_ALWAYS = DECISIONS.replace(
    "{breathing: 0.3, savoring: 0.2, none: 0.5}",
    "{breathing: 0, savoring: 0.999999, none: 0.000001}",
)


def test_the_drawn_practice_is_offered_after_her_check_in(phone: Page, live_server: LiveServer):
    with Session(live_server.engine) as session:
        live_server.study(session)
        source = studies_service.protocol_source_for(slug="pilot", name="Pilot") + SAVORING_ALWAYS
        studies_service.apply_protocol(session=session, source=source, now=utcnow())
    enroll(phone, live_server)
    phone.goto(f"{live_server.url}/#/checkin/now")
    expect(phone.locator("#checkin")).to_be_visible()
    stress = phone.locator("#checkin input[type=range]").first
    stress.focus()
    stress.press("Home")
    for _ in range(7):
        stress.press("ArrowRight")
    phone.locator("#checkin button[type=submit]").click()
    offer = phone.locator("#offer-yes")
    expect(offer).to_be_visible()
    expect(offer).to_have_attribute("href", "#/practice/P08?rule=mrt_high_rating")
    expect(phone.get_by_role("heading", name="A short practice, if you like?")).to_be_visible()
    screenshot(phone, "trial-offer")
    assert missing_strings(phone) == []
    [decision] = live_server.rows(Decision)
    assert (decision.rating, decision.option, decision.practice_id) == (7, "savoring", "P08")
