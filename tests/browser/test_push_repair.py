"""At each start the app makes sure the server holds the subscription her browser has: a server
that lost it gets it back, and a browser that dropped it while reminders are allowed gets a new
one. (Headless Chromium has no push service: the browser's subscription is stood in for.)"""

from playwright.sync_api import BrowserContext, Page
from sqlmodel import Session, delete

from savor.notify.models import PushSubscription
from tests.browser.conftest import LiveServer, enroll
from tests.browser.test_receipts import wait_for
from tests.browser.test_settings import FAKE_PUSH

# Her browser already holds a subscription, as one does after she turned reminders on.
SUBSCRIBED = FAKE_PUSH + "\nwindow.pushed = fake;\n"


def _forget_every_device(server: LiveServer) -> None:
    with Session(server.engine) as session:
        session.exec(delete(PushSubscription))  # type: ignore[call-overload]
        session.commit()


def test_a_server_that_lost_her_subscription_gets_it_back_at_the_next_start(
    live_server: LiveServer, phone_context: BrowserContext, phone: Page
):
    phone_context.grant_permissions(["notifications"])
    phone_context.add_init_script(SUBSCRIBED)
    enroll(phone, live_server)
    phone.reload()
    wait_for(lambda: len(live_server.rows(PushSubscription)) == 1, phone)
    _forget_every_device(live_server)
    phone.reload()
    wait_for(lambda: len(live_server.rows(PushSubscription)) == 1, phone)
    [device] = live_server.rows(PushSubscription)
    assert device.endpoint == "https://fcm.googleapis.com/fcm/send/abc123"
    assert device.permission == "granted"


def test_a_browser_that_dropped_its_subscription_subscribes_again_at_start(
    live_server: LiveServer, phone_context: BrowserContext, phone: Page
):
    phone_context.grant_permissions(["notifications"])
    phone_context.add_init_script(FAKE_PUSH)  # getSubscription() finds none
    enroll(phone, live_server)
    phone.reload()
    wait_for(lambda: len(live_server.rows(PushSubscription)) == 1, phone)
    assert phone.evaluate("window.pushed !== null")


def test_without_permission_nothing_is_subscribed_at_start(
    live_server: LiveServer, phone_context: BrowserContext, phone: Page
):
    phone_context.add_init_script(FAKE_PUSH)
    enroll(phone, live_server)
    phone.reload()
    phone.wait_for_timeout(1500)
    assert live_server.rows(PushSubscription) == []
