"""Offline first: the shell and every practice work with no network, and what she does offline
reaches the server exactly once when the connection returns, even after the app was closed."""

import time

from playwright.sync_api import BrowserContext, Locator, Page, expect

from savor.ema.models import Prompt, Response, ResponseItem
from savor.practices.models import PracticeSession
from tests.browser.conftest import LiveServer, enroll


# Chromium checks for a new service worker script from the browser process, which the offline
# emulation does not cover; on a real phone with no network that check fails quietly.
def reached_server(server: LiveServer, since: int) -> list[tuple[str, str]]:
    return [r for r in server.recorder.requests[since:] if r != ("GET", "/sw.js")]


PRACTICE = "id => import('/app.js').then(({ api }) => api.practice(id))"
INSTRUMENT = "id => import('/app.js').then(({ api }) => api.instrument(id))"
PENDING = "import('/app.js').then(({ outbox }) => outbox.pending()).then(list => list.length)"


def wait_for(condition, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def question(page: Page, text: str) -> Locator:
    return page.get_by_role("group", name=text)


def rate(page: Page, text: str, key: str, presses: int = 1) -> None:
    """Answer a 0-10 slider from the keyboard, as a screen reader user would."""
    slider = question(page, text).get_by_role("slider")
    slider.focus()
    for _ in range(presses):
        slider.press(key)


def test_shell_and_all_practice_content_work_offline(
    live_server: LiveServer, phone_context: BrowserContext, phone: Page
):
    enroll(phone, live_server)
    practices = phone.evaluate("import('/app.js').then(({ api }) => api.practices())")
    phone_context.set_offline(True)
    before = len(live_server.recorder.requests)
    phone.reload()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hello")
    expect(phone.get_by_text("You are offline.")).to_be_visible()
    for practice in practices:
        phone.goto(f"{live_server.url}/#/practice/{practice['id']}")
        expect(phone.get_by_role("heading", level=1)).to_have_text(practice["title"])
        if practice["unlocked"]:
            expect(phone.get_by_role("button", name="Begin")).to_be_visible()
        detail = phone.evaluate(PRACTICE, practice["id"])
        assert all(step["text"] for v in detail["variants"] for step in v["steps"])
    for instrument in ("pre_practice", "post_practice", "hard_moment", "momentary", "end_of_day"):
        found = phone.evaluate(INSTRUMENT, instrument)
        assert found["items"], instrument
    phone.get_by_role("link", name="Get help").click()
    expect(phone.get_by_role("link", name="Call 1-800-662-4357")).to_be_visible()
    for view in ("practices", "checkin", "trends", "reflect", "settings"):
        phone.goto(f"{live_server.url}/#/{view}")
        expect(phone.get_by_role("heading", level=1)).not_to_have_text("Something went wrong")
    assert reached_server(live_server, before) == []


def _practice_offline(page: Page) -> None:
    page.get_by_role("link", name="Breathing break").click()
    page.get_by_label("1 minute").check()
    page.get_by_role("button", name="Begin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Before you begin")
    rate(page, "How stressed do you feel right now?", "ArrowRight")  # 6
    craving = question(page, "How strong is your craving for opioids right now?")
    slider = craving.get_by_role("slider")
    box = slider.bounding_box()
    slider.click(position={"x": box["width"] * 0.2, "y": box["height"] / 2})  # a tap, about 2
    happy = question(page, "How happy or good do you feel right now?")
    happy.get_by_label("Prefer not to answer").check()
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_text("Step 1 of 3")).to_be_visible()
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Resume").click()
    page.get_by_role("button", name="Next step").click()
    page.get_by_role("button", name="Next step").click()
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How are you now?")
    rate(page, "How stressed do you feel right now?", "ArrowLeft", 3)  # 2
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for taking this time")
    expect(page.get_by_role("status")).to_have_text("Saved — will send when online.")


def _checkins_offline(page: Page, url: str) -> None:
    page.goto(f"{url}/#/checkin")
    page.get_by_role("link", name="How are you right now?").click()
    rate(page, "How stressed do you feel right now?", "Home")  # 0
    savored = "Since your last check-in, did you stop to really take in something good?"
    question(page, savored).get_by_label("Yes").check()
    rate(page, "How much did you enjoy it?", "End")  # 10
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    page.get_by_role("link", name="Get help").click()
    page.get_by_role("navigation").get_by_role("link", name="Home").click()
    page.get_by_role("link", name="I'm having a hard moment").click()
    rate(page, "How strong is your craving for opioids right now?", "End")  # 10
    question(page, "What's going on? (choose any)").get_by_label("Tired").check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("link", name="Call 988")).to_be_visible()
    expect(page.get_by_role("link", name="Start the breathing break")).to_be_visible()


def test_offline_practice_and_checkins_reach_the_server_once(
    live_server: LiveServer, phone_context: BrowserContext, phone: Page
):
    enroll(phone, live_server)
    prompt_id = live_server.open_prompt("momentary")
    phone.reload()
    expect(phone.locator("html[data-offline-ready]")).to_have_count(1)
    phone_context.set_offline(True)
    before = len(live_server.recorder.requests)
    _practice_offline(phone)
    _checkins_offline(phone, live_server.url)
    assert phone.evaluate(PENDING) == 4  # the practice, two check-ins, the prompt opened
    assert reached_server(live_server, before) == []
    phone.close()

    phone_context.set_offline(False)
    again, twice = phone_context.new_page(), phone_context.new_page()
    again.goto(live_server.url + "/")
    twice.goto(live_server.url + "/")  # two open tabs flush at once; each record is sent once
    wait_for(lambda: again.evaluate(PENDING) == 0)
    posts = [r for r in live_server.recorder.requests if r[0] != "GET"]
    assert sorted(
        p for _, p in posts if p in ("/api/v1/practice-sessions", "/api/v1/responses")
    ) == [
        "/api/v1/practice-sessions",
        "/api/v1/responses",
        "/api/v1/responses",
    ]
    again.reload()
    expect(again.locator("html[data-offline-ready]")).to_have_count(1)

    [session] = live_server.rows(PracticeSession)
    assert (session.practice_id, session.variant, session.completed) == ("P03", "1min", True)
    assert session.steps_completed == 3 and session.pre_instrument == "pre_practice"
    pre = {a["item_id"]: (a["value"], a["declined"]) for a in session.pre}
    assert pre["S1"] == (6, False) and pre["A1"] == (None, True) and 1 <= pre["C1"][0] <= 3
    assert {a["item_id"]: a["value"] for a in session.post} == {"S1": 2}
    responses = {r.instrument_id: r for r in live_server.rows(Response)}
    assert sorted(responses) == ["hard_moment", "momentary"]
    assert responses["momentary"].prompt_id == prompt_id
    assert responses["hard_moment"].prompt_id is None
    items = {(i.response_id, i.item_id): i.value for i in live_server.rows(ResponseItem)}
    momentary = {item: v for (rid, item), v in items.items() if rid == responses["momentary"].id}
    assert momentary == {"S1": 0, "SV1": True, "SV1b": 10}  # sliders she did not touch: not sent
    assert items[(responses["hard_moment"].id, "TRG")] == ["tired"]
    [prompt] = [p for p in live_server.rows(Prompt) if p.id == prompt_id]
    assert prompt.opened_at is not None and prompt.status == "completed"


ONE_PRACTICE = """async () => {
  const { api, outbox } = await import('/app.js');
  const detail = await api.practice('P03');
  const now = new Date().toISOString();
  await outbox.enqueue(api.writes.practiceSession({
    client_id: crypto.randomUUID(), practice_id: 'P03', practice_version: detail.version,
    variant: '3min', option: null, started_at: now, ended_at: now, completed: false,
    seconds_practiced: 0, steps_completed: 0, trigger: 'self', prompt_id: null, rule: null,
    pre_instrument: null, pre: null, post_instrument: null, post: null }), 'P03');
}"""


def test_home_says_what_waits_on_the_phone_until_it_has_gone_out(
    live_server: LiveServer, phone_context: BrowserContext, phone: Page
):
    enroll(phone, live_server)
    expect(phone.locator("html[data-offline-ready]")).to_have_count(1)
    phone_context.set_offline(True)
    phone.evaluate(ONE_PRACTICE)
    phone.reload()
    note = phone.get_by_text("1 thing is saved on this phone and will be sent when you are online.")
    expect(note).to_be_visible()

    phone_context.set_offline(False)  # back online, the app sends it; Home is not drawn again
    expect(note).to_have_count(0)
    assert phone.evaluate(PENDING) == 0
    assert [s.variant for s in live_server.rows(PracticeSession)] == ["3min"]


BAD_THEN_GOOD = """async () => {
  const { api, outbox } = await import('/app.js');
  const detail = await api.practice('P03');
  const now = new Date().toISOString();
  const session = (variant) => api.writes.practiceSession({
    client_id: crypto.randomUUID(), practice_id: 'P03', practice_version: detail.version,
    variant, option: null, started_at: now, ended_at: now, completed: false,
    seconds_practiced: 0, steps_completed: 0, trigger: 'self', prompt_id: null, rule: null,
    pre_instrument: null, pre: null, post_instrument: null, post: null });
  await outbox.enqueue(session('no-such-length'), 'P03');
  await outbox.enqueue(session('3min'), 'P03');
}"""


def test_a_refused_record_is_kept_aside_and_shown(
    live_server: LiveServer, phone_context: BrowserContext, phone: Page
):
    enroll(phone, live_server)
    phone_context.set_offline(True)
    phone.evaluate(BAD_THEN_GOOD)
    phone_context.set_offline(False)
    phone.reload()
    wait_for(lambda: phone.evaluate(PENDING) == 0)
    [saved] = live_server.rows(PracticeSession)
    assert saved.variant == "3min"
    phone.reload()
    expect(phone.get_by_text("1 thing could not be taken by the study.")).to_be_visible()
    phone.get_by_role("link", name="See what").click()
    kept = phone.get_by_role("listitem").filter(has=phone.get_by_text("A practice", exact=True))
    expect(kept).to_contain_text("variant")
    kept.get_by_role("button", name="Remove from this phone").click()
    expect(phone.get_by_role("button", name="Remove from this phone")).to_have_count(0)
