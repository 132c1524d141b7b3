"""A random-time probe's offer: her notification opens the practice the server drew; and her
practice reminder time, set in the app's settings."""

import uuid
from datetime import time

from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from savor.clock import utcnow
from savor.ema.decisions import probe_decide, probes
from savor.ema.models import Prompt
from savor.studies import service as studies_service
from savor.studies.models import Participant
from tests.browser.conftest import LiveServer, enroll, missing_strings, screenshot
from tests.decisions.protocols import PROBES_ALWAYS, REMINDER


def _offer_now(server: LiveServer) -> uuid.UUID:
    """Her first probe, moved to now and decided (an offer of P03, nearly surely)."""
    now = utcnow()
    with Session(server.engine) as session:
        probe = session.exec(
            select(Prompt).where(Prompt.kind == probes.PROBE_KIND).order_by(Prompt.scheduled_at)
        ).first()
        assert probe is not None
        probe.scheduled_at = now
        session.add(probe)
        session.commit()
        probe_decide.decide_due(session=session, now=now)
        return probe.id


def test_her_notification_opens_the_offered_practice(phone: Page, live_server: LiveServer):
    with Session(live_server.engine) as session:
        live_server.study(session)
        source = studies_service.protocol_source_for(slug="pilot", name="Pilot") + PROBES_ALWAYS
        studies_service.apply_protocol(session=session, source=source, now=utcnow())
    enroll(phone, live_server)
    probe_id = _offer_now(live_server)
    phone.goto(f"{live_server.url}/#/offer/{probe_id}")
    offer = phone.locator("#offer-yes")
    expect(offer).to_have_attribute("href", "#/practice/P03?rule=mrt_day_probe")
    expect(phone.get_by_role("heading", name="Take a breathing break?")).to_be_visible()
    screenshot(phone, "probe-offer")
    assert missing_strings(phone) == []
    offer.click()
    expect(phone.locator("body[data-view=player]")).to_have_count(1)
    for _ in range(50):
        [prompt] = [p for p in live_server.rows(Prompt) if p.id == probe_id]
        if prompt.opened_at is not None:
            break
        phone.wait_for_timeout(100)
    assert prompt.opened_at is not None  # she took the offer: the export says accepted


def test_an_offer_that_is_gone_says_so_kindly(phone: Page, live_server: LiveServer):
    with Session(live_server.engine) as session:
        live_server.study(session)
    enroll(phone, live_server)
    phone.goto(f"{live_server.url}/#/offer/{uuid.uuid4()}")
    expect(phone.get_by_text("This moment has passed.")).to_be_visible()
    expect(phone.get_by_role("link", name="Go to practices")).to_have_attribute(
        "href", "#/practices"
    )
    screenshot(phone, "probe-offer-closed")


def test_she_sets_her_practice_reminder_time_in_settings(phone: Page, live_server: LiveServer):
    with Session(live_server.engine) as session:
        live_server.study(session)
        source = studies_service.protocol_source_for(slug="pilot", name="Pilot") + REMINDER
        studies_service.apply_protocol(session=session, source=source, now=utcnow())
    enroll(phone, live_server)
    phone.goto(f"{live_server.url}/#/settings")
    reminder = phone.get_by_label("Daily practice reminder (optional)")
    expect(reminder).to_have_value("")
    reminder.fill("20:30")
    phone.get_by_role("button", name="Save my hours").click()
    for _ in range(50):
        [her] = live_server.rows(Participant)
        if her.practice_reminder_time is not None:
            break
        phone.wait_for_timeout(100)
    assert her.practice_reminder_time == time(20, 30)
    screenshot(phone, "practice-reminder-setting")
    assert missing_strings(phone) == []
