"""When the push service replaces her subscription, the service worker tells the server the
new one and the old one is forgotten, with no page's help; offline, exactly once later.

Headless Chromium has no push service and never fires `pushsubscriptionchange` itself: the
worker is handed the event a browser would give it, with subscriptions standing in for real
ones (their keys are a real P-256 point, so the server accepts them)."""

from playwright.sync_api import BrowserContext, Page
from sqlmodel import Session

from savor.notify.models import PushSubscription
from tests.browser.conftest import LiveServer, enroll
from tests.browser.test_receipts import Worker, wait_for

OLD = "https://fcm.googleapis.com/fcm/send/old-one"
NEW = "https://fcm.googleapis.com/fcm/send/new-one"
P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
AUTH = "tBHItJI5svbpez7KI4CCXg"

# `renewed`: the browser subscribed again itself and hands the new subscription over; without
# it the worker has to subscribe again, which the stand-in PushManager answers.
CHANGE = """async ([oldEndpoint, newEndpoint, renewed, keys]) => {
    const subscription = (endpoint) => ({
        endpoint,
        options: { applicationServerKey: new Uint8Array(65).buffer },
        toJSON: () => ({ endpoint, expirationTime: null, keys }),
    });
    self.resubscribed = 0;
    PushManager.prototype.subscribe = async function () {
        self.resubscribed += 1;
        return subscription(newEndpoint);
    };
    const event = new ExtendableEvent("pushsubscriptionchange");
    Object.defineProperty(event, "oldSubscription", { value: subscription(oldEndpoint) });
    Object.defineProperty(event, "newSubscription", {
        value: renewed ? subscription(newEndpoint) : null,
    });
    self.dispatchEvent(event);
}"""


def _subscribed_to_old(server: LiveServer) -> None:
    participant = server.participant()
    with Session(server.engine) as session:
        device = PushSubscription(
            participant_id=participant.id, endpoint=OLD, p256dh=P256DH, auth=AUTH
        )
        session.add(device)
        session.commit()


def _endpoints(server: LiveServer) -> list[str]:
    return [device.endpoint for device in server.rows(PushSubscription)]


def _calls(server: LiveServer, method: str) -> int:
    return server.recorder.requests.count((method, "/api/v1/push-subscriptions"))


def _change(context: BrowserContext, *, renewed: bool) -> None:
    [worker] = context.service_workers
    worker.evaluate(CHANGE, [OLD, NEW, renewed, {"p256dh": P256DH, "auth": AUTH}])


def test_a_dropped_subscription_is_renewed_and_replaces_the_old_one_on_the_server(
    live_server: LiveServer, phone_context: BrowserContext, phone: Page
):
    enroll(phone, live_server)
    _subscribed_to_old(live_server)
    _change(phone_context, renewed=False)
    wait_for(lambda: _endpoints(live_server) == [NEW], phone)
    [worker] = phone_context.service_workers
    assert worker.evaluate("self.resubscribed") == 1
    phone.wait_for_timeout(1000)
    assert (_calls(live_server, "POST"), _calls(live_server, "DELETE")) == (1, 1)
    [device] = live_server.rows(PushSubscription)
    assert device.participant_id == live_server.participant().id
    assert (device.p256dh, device.auth, device.permission) == (P256DH, AUTH, "granted")


def test_a_subscription_changed_offline_replaces_the_old_one_exactly_once_when_back_online(
    live_server: LiveServer, phone_context: BrowserContext, phone: Page
):
    enroll(phone, live_server)
    _subscribed_to_old(live_server)
    worker = Worker(phone_context, live_server.url)
    phone.close()
    phone_context.set_offline(True)
    _change(phone_context, renewed=True)
    worker.page.wait_for_timeout(1500)
    assert _endpoints(live_server) == [OLD]
    phone_context.set_offline(False)
    worker.sync()
    wait_for(lambda: _endpoints(live_server) == [NEW], worker.page)
    worker.sync()
    worker.page.wait_for_timeout(1000)
    assert (_calls(live_server, "POST"), _calls(live_server, "DELETE")) == (1, 1)
    assert _endpoints(live_server) == [NEW]
