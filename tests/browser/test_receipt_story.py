"""The whole way of a check-in, as a researcher sees it: she enrolls in the browser and allows
reminders, a prompt falls due and is pushed, her phone reports it delivered and shown, she taps
it; the research API then gives its four times, and compliance says why each prompt she did
not answer went unanswered.

Headless Chromium has no push service of its own: her browser's subscription is one of the
local push service (which checks VAPID and decrypts what the server sends), and what reaches
that service is handed on to the app's service worker as the browser's push service would."""

import json
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page
from sqlmodel import Session, select

from savor.clock import utcnow
from savor.ema import prompts as ema_prompts
from savor.ema import registry
from savor.ema.models import Prompt
from savor.notify import dispatch
from savor.notify.jobs import make_sender
from savor.notify.models import PushSubscription
from savor.studies.models import Study
from tests.browser.conftest import LiveServer, enroll
from tests.browser.test_receipts import Worker, prompt, wait_for
from tests.factories import bearer, make_research_token
from tests.notify.push_service import PushService

# Her browser's subscription, as PushManager would give it, to the local push service.
SUBSCRIBED = """
const subscription = %s;
const standIn = { endpoint: subscription.endpoint, toJSON: () => subscription,
                  unsubscribe: async () => true };
PushManager.prototype.subscribe = async function () { return standIn; };
PushManager.prototype.getSubscription = async function () { return standIn; };
"""

TAP = """async (id) => {
    const [shown] = (await self.registration.getNotifications())
        .filter((n) => n.data?.promptId === id);
    self.dispatchEvent(new NotificationEvent("notificationclick", { notification: shown }));
}"""


@pytest.fixture
def live_settings() -> dict:
    return {"outbound_allow_loopback": True}  # the push service runs on this machine


@pytest.fixture
def push_service():
    with PushService() as service:
        yield service


def _falls_due(server: LiveServer, slot: int) -> Prompt:
    now = utcnow()
    due = Prompt(
        participant_id=server.participant().id,
        schedule_id="random",
        kind="random",
        instrument_id="momentary",
        instrument_version=str(registry.current("momentary").version),
        protocol_version=1,
        local_date=now.date(),
        slot=slot,
        status="scheduled",
        scheduled_at=now - timedelta(seconds=1),
        expires_at=now + timedelta(minutes=30),
    )
    with Session(server.engine) as session:
        session.add(due)
        session.commit()
        session.refresh(due)
    return due


def _research(server: LiveServer, path: str, **params) -> httpx.Response:
    with Session(server.engine) as session:
        study = session.exec(select(Study).where(Study.slug == "pilot")).one()
        token = make_research_token(session, study)
    url = f"{server.url}/api/research/v1/studies/pilot/{path}"
    response = httpx.get(url, params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response


def test_a_researcher_sees_each_prompt_reach_her_and_why_the_unanswered_were_not_answered(
    live_server: LiveServer, phone_context: BrowserContext, phone: Page, push_service
):
    phone_context.grant_permissions(["notifications"], origin=live_server.url)
    phone_context.add_init_script(SUBSCRIBED % json.dumps(push_service.subscribe().to_json()))
    enroll(phone, live_server)
    phone.reload()
    wait_for(lambda: len(live_server.rows(PushSubscription)) == 1, phone)

    tapped, _never_reaches_her = _falls_due(live_server, 0), _falls_due(live_server, 1)
    app = live_server.recorder.app
    send = make_sender(live_server.settings, app.state.vapid_keys)
    with Session(live_server.engine) as session:
        tally = dispatch.dispatch_due(session=session, worker="w1", send=send, now=utcnow())
    assert (tally.claimed, tally.pushed) == (2, 2)

    # Her phone gets the first push (the second never reaches it), with no page open; she taps it.
    worker = Worker(phone_context, live_server.url)
    phone.close()
    [message] = [m for m in push_service.received if m.json()["prompt_id"] == str(tapped.id)]
    worker.cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server.url,
            "registrationId": worker.registration_id,
            "data": message.payload.decode(),
        },
    )
    wait_for(lambda: prompt(live_server, tapped.id).shown_at is not None, worker.page)
    [service_worker] = phone_context.service_workers
    service_worker.evaluate(TAP, str(tapped.id))
    wait_for(lambda: prompt(live_server, tapped.id).clicked_at is not None, worker.page)

    export = _research(live_server, "export/prompts", format="ndjson").text
    events = ("sent", "delivered", "shown", "clicked")
    rows = [[json.loads(line)[f"{e}_at_utc"] for e in events] for line in export.splitlines()]
    rows = [r for r in rows if r[0] is not None]  # not those planned for later
    # Prompts are exported under a keyed reference, not their ids: the tapped one is the
    # one with every time, in the order they happened; the other was only sent.
    [times] = [r for r in rows if None not in r]
    assert times == sorted(times)
    assert [r for r in rows if None in r] == [[times[0], None, None, None]]

    with Session(live_server.engine) as session:
        ema_prompts.expire_due(session=session, now=utcnow() + timedelta(hours=1))
    [her] = _research(live_server, "compliance").json()["participants"]
    assert her["compliance"]["expired"] == 2
    assert her["compliance"]["unanswered"] == {
        "never_sent": 0,
        "not_delivered": 1,  # the push her phone never reported
        "not_opened": 0,
        "not_completed": 1,  # tapped, never answered
    }
