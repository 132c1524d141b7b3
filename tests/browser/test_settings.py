"""Settings: language, reminders after an explanation, and leaving the study."""

from playwright.sync_api import Browser, BrowserContext, Page, expect

from savor.notify.models import PushSubscription
from savor.studies.models import Participant
from tests.browser.conftest import LiveServer, enroll, new_phone

# Headless Chromium has no push service; this stands in for the browser's, as a phone's would
# (an endpoint on Chrome's push service: others are refused; the scheduler is off here).
FAKE_PUSH = """
const fake = {
  endpoint: 'https://fcm.googleapis.com/fcm/send/abc123',
  toJSON() {
    const p256dh = 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-'
      + 'Ts1XbjhazAkj7I99e8QcYP7DkM';
    return { endpoint: this.endpoint, expirationTime: null,
             keys: { p256dh, auth: 'tBHItJI5svbpez7KI4CCXg' } };
  },
  unsubscribe: async () => { window.pushed = null; return true; },
};
window.pushed = null;
PushManager.prototype.subscribe = async function () { window.pushed = fake; return fake; };
PushManager.prototype.getSubscription = async function () { return window.pushed; };
"""


def test_changing_language_changes_the_app_and_her_content(live_server: LiveServer, phone: Page):
    enroll(phone, live_server)
    phone.get_by_role("navigation").get_by_role("link", name="Settings").click()
    phone.get_by_label("Español").check()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Ajustes")
    expect(phone.locator("html")).to_have_attribute("lang", "es")
    expect(phone.locator("html[data-offline-ready=es]")).to_have_count(1)
    phone.get_by_role("navigation").get_by_role("link", name="Prácticas").click()
    expect(phone.get_by_role("link", name="Pausa de 3 minutos para respirar")).to_be_visible()
    [participant] = live_server.rows(Participant)
    assert participant.language == "es"


def test_reminders_are_explained_then_subscribed(
    live_server: LiveServer, phone_context: BrowserContext, phone: Page
):
    phone_context.grant_permissions(["notifications"])
    phone_context.add_init_script(FAKE_PUSH)
    enroll(phone, live_server)
    phone.goto(f"{live_server.url}/#/settings")
    reminders = phone.get_by_role("region", name="Reminders")
    expect(reminders).to_contain_text("Time for a short check-in")
    expect(reminders).to_contain_text("Reminders are off.")
    reminders.get_by_role("button", name="Turn on reminders").click()
    expect(reminders).to_contain_text("Reminders are on.")
    [subscription] = live_server.rows(PushSubscription)
    assert subscription.endpoint == "https://fcm.googleapis.com/fcm/send/abc123"
    reminders.get_by_role("button", name="Turn off reminders").click()
    expect(reminders).to_contain_text("Reminders are off.")
    assert live_server.rows(PushSubscription) == []


IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def test_on_an_iphone_she_is_shown_how_to_add_the_app_first(
    live_server: LiveServer, browser: Browser
):
    context = new_phone(browser, user_agent=IPHONE)
    page = context.new_page()
    enroll(page, live_server)
    page.goto(f"{live_server.url}/#/settings")
    reminders = page.get_by_role("region", name="Reminders")
    expect(reminders).to_contain_text("Add to Home Screen")
    expect(reminders.get_by_role("button", name="Turn on reminders")).to_be_hidden()
    context.close()


def test_leaving_the_study_asks_first(live_server: LiveServer, phone: Page):
    enroll(phone, live_server)
    phone.goto(f"{live_server.url}/#/settings")
    phone.get_by_role("button", name="Leave the study").click()
    phone.get_by_role("button", name="No, stay").click()
    assert live_server.rows(Participant)[0].withdrawn_at is None
    phone.get_by_role("button", name="Leave the study").click()
    phone.get_by_role("button", name="Yes, leave the study").click()
    expect(phone.get_by_role("status")).to_have_text("You have left the study.")
    assert live_server.rows(Participant)[0].withdrawn_at is not None
    phone.get_by_role("navigation").get_by_role("link", name="Home").click()
    expect(phone.get_by_role("heading", name="You have left the study")).to_be_visible()
    phone.get_by_role("navigation").get_by_role("link", name="Practice").click()
    expect(phone.get_by_role("link", name="Mindful Breathing")).to_be_visible()
