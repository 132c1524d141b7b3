"""A notification reaching her phone is reported by the service worker, with no page open, and
a receipt that could not be sent is sent exactly once when the network is back."""

import json
import time
from datetime import timedelta

from playwright.sync_api import BrowserContext, Page
from sqlmodel import Session

from savor.clock import utcnow
from savor.ema.models import Prompt
from tests.browser.conftest import LiveServer, enroll


def wait_for(condition, page: Page, timeout: float = 15) -> None:
    # Waiting through Playwright, so its events (the worker's registrations) come in meanwhile.
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(100)


class Worker:
    """The app's service worker, driven over CDP from a page of another origin."""

    def __init__(self, context: BrowserContext, origin: str) -> None:
        self.origin = origin
        self.page = context.new_page()
        self.cdp = context.new_cdp_session(self.page)
        self.registrations: list[dict] = []
        self.cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: self.registrations.extend(event["registrations"]),
        )
        self.cdp.send("ServiceWorker.enable")
        wait_for(lambda: self.registration_id is not None, self.page)

    @property
    def registration_id(self) -> str | None:
        found = [r for r in self.registrations if r["scopeURL"].startswith(self.origin)]
        return found[-1]["registrationId"] if found else None

    def push(self, prompt_id, expires_at: str | None = None) -> None:
        payload = {"type": "prompt", "prompt_id": str(prompt_id), "title": "Savor", "body": "Hi"}
        if expires_at is not None:
            payload["expires_at"] = expires_at
        self.cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": self.origin,
                "registrationId": self.registration_id,
                "data": json.dumps(payload),
            },
        )

    def sync(self) -> None:
        self.cdp.send(
            "ServiceWorker.dispatchSyncEvent",
            {
                "origin": self.origin,
                "registrationId": self.registration_id,
                "tag": "outbox",
                "lastChance": False,
            },
        )


def receipts_sent(server: LiveServer, prompt_id) -> int:
    path = f"/api/v1/prompts/{prompt_id}/receipts"
    return sum(r == ("POST", path) for r in server.recorder.requests)


def prompt(server: LiveServer, prompt_id) -> Prompt:
    [found] = [p for p in server.rows(Prompt) if p.id == prompt_id]
    return found


def test_a_push_is_reported_delivered_and_shown_by_one_request_with_no_page_open(
    live_server: LiveServer, phone_context: BrowserContext, phone
):
    phone_context.grant_permissions(["notifications"], origin=live_server.url)
    enroll(phone, live_server)
    prompt_id = live_server.open_prompt()
    worker = Worker(phone_context, live_server.url)
    phone.close()
    worker.push(prompt_id)
    wait_for(lambda: prompt(live_server, prompt_id).shown_at is not None, worker.page)
    stored = prompt(live_server, prompt_id)
    assert stored.delivered_at is not None and stored.delivered_at <= stored.shown_at
    assert receipts_sent(live_server, prompt_id) == 1  # both receipts in one request


def test_receipts_sent_offline_reach_the_server_exactly_once_when_back_online(
    live_server: LiveServer, phone_context: BrowserContext, phone
):
    phone_context.grant_permissions(["notifications"], origin=live_server.url)
    enroll(phone, live_server)
    prompt_id = live_server.open_prompt()
    worker = Worker(phone_context, live_server.url)
    phone.close()
    phone_context.set_offline(True)
    worker.push(prompt_id)
    worker.page.wait_for_timeout(2000)
    assert receipts_sent(live_server, prompt_id) == 0
    phone_context.set_offline(False)
    worker.sync()
    wait_for(lambda: prompt(live_server, prompt_id).shown_at is not None, worker.page)
    worker.sync()
    worker.page.wait_for_timeout(1000)
    assert receipts_sent(live_server, prompt_id) == 1  # one outbox record for both
    assert prompt(live_server, prompt_id).delivered_at is not None


def _pushed_but_never_shown(
    server: LiveServer, context: BrowserContext, phone: Page, prompt_id, expires_at: str
) -> None:
    """Push it with no page open: the worker reports it delivered, once, and shows nothing."""
    worker = Worker(context, server.url)
    phone.close()
    worker.push(prompt_id, expires_at=expires_at)
    wait_for(lambda: prompt(server, prompt_id).delivered_at is not None, worker.page)
    worker.page.wait_for_timeout(1500)
    assert prompt(server, prompt_id).shown_at is None
    assert receipts_sent(server, prompt_id) == 1


def _utc_text(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_a_push_arriving_after_its_prompt_closed_shows_nothing_and_says_it_arrived(
    live_server: LiveServer, phone_context: BrowserContext, phone
):
    phone_context.grant_permissions(["notifications"], origin=live_server.url)
    enroll(phone, live_server)
    prompt_id = live_server.open_prompt()
    closed = _utc_text(utcnow() - timedelta(minutes=5))
    _pushed_but_never_shown(live_server, phone_context, phone, prompt_id, closed)


def test_a_push_for_a_prompt_she_already_answered_elsewhere_shows_nothing(
    live_server: LiveServer, phone_context: BrowserContext, phone
):
    phone_context.grant_permissions(["notifications"], origin=live_server.url)
    enroll(phone, live_server)
    prompt_id = live_server.open_prompt()
    with Session(live_server.engine) as session:
        answered = session.get(Prompt, prompt_id)
        answered.status, answered.completed_at = "completed", utcnow()
        session.add(answered)
        session.commit()
    open_until = _utc_text(utcnow() + timedelta(minutes=30))
    _pushed_but_never_shown(live_server, phone_context, phone, prompt_id, open_until)


# Chromium has no way to tap or swipe a notification from a test: the worker is handed the same
# NotificationEvent a tap or a swipe would give it, for a notification it really shows.
NOTIFICATION_EVENT = """async ([id, type]) => {
    await self.registration.showNotification("Savor", {
        tag: "savor", data: {promptId: id, url: "/#/checkin"},
    });
    const [shown] = await self.registration.getNotifications({tag: "savor"});
    self.dispatchEvent(new NotificationEvent(type, {notification: shown}));
}"""


def _handed(server: LiveServer, context: BrowserContext, phone: Page, event: str):
    """Her prompt after the worker was handed `event` for its notification."""
    context.grant_permissions(["notifications"], origin=server.url)
    enroll(phone, server)
    prompt_id = server.open_prompt()
    [worker] = context.service_workers
    worker.evaluate(NOTIFICATION_EVENT, [str(prompt_id), event])
    reported = "dismissed_at" if event == "notificationclose" else "clicked_at"
    wait_for(lambda: getattr(prompt(server, prompt_id), reported) is not None, phone)
    return prompt(server, prompt_id)


def test_swiping_a_notification_away_is_reported_dismissed(
    live_server: LiveServer, phone_context: BrowserContext, phone
):
    stored = _handed(live_server, phone_context, phone, "notificationclose")
    assert stored.dismissed_at is not None and stored.clicked_at is None


def test_tapping_a_notification_is_reported_clicked(
    live_server: LiveServer, phone_context: BrowserContext, phone
):
    # (Opening the check-in after the tap needs the tap's own permission to focus a window,
    # which a handed-over event does not carry.)
    stored = _handed(live_server, phone_context, phone, "notificationclick")
    assert stored.clicked_at is not None and stored.dismissed_at is None
