"""A PHQ-9 wave in Chromium: paged, kept on the phone between two sittings (the second one
offline), crisis help at once for item 9, and one score on the server once it is sent."""

import uuid
from datetime import timedelta

from playwright.sync_api import BrowserContext, Page, expect
from sqlmodel import Session

from savor.clock import utcnow
from savor.ema.models import Prompt, QuestionnaireScore, Response
from tests.browser.conftest import LiveServer, enroll, missing_strings, screenshot
from tests.browser.test_offline import PENDING, question, reached_server, wait_for

PHQ9 = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
    "being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
]


def open_wave(server: LiveServer) -> uuid.UUID:
    """The baseline PHQ-9 wave, open for a week, as planning would have made it."""
    her = server.participant()
    now = utcnow()
    with Session(server.engine) as session:
        prompt = Prompt(
            participant_id=her.id,
            schedule_id="baseline",
            kind="wave",
            instrument_id="phq9",
            instrument_version="1",
            protocol_version=1,
            local_date=now.date(),
            slot=0,
            status="sent",
            scheduled_at=now - timedelta(minutes=5),
            sent_at=now - timedelta(minutes=5),
            expires_at=now + timedelta(days=7),
        )
        session.add(prompt)
        session.commit()
        return prompt.id


def answer(page: Page, item: int, choice: str) -> None:
    question(page, PHQ9[item - 1]).get_by_label(choice, exact=True).check()


def test_a_phq9_over_two_sittings_the_second_offline_is_scored_once(
    live_server: LiveServer, phone_context: BrowserContext, phone: Page
):
    enroll(phone, live_server)
    wave = open_wave(live_server)
    phone.reload()
    card = phone.locator("#wave")
    expect(card).to_contain_text("A questionnaire is waiting")
    expect(card).to_contain_text("Open until")
    screenshot(phone, "questionnaire-home")

    # First sitting, online: two of the four pages.
    card.get_by_role("link", name="Start the questionnaire").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("How you've been feeling (PHQ-9)")
    expect(phone.locator("#q-progress")).to_have_text("Page 1 of 4")
    expect(phone.get_by_text("code name", exact=False)).to_be_visible()
    answer(phone, 1, "More than half the days")
    answer(phone, 2, "Several days")
    answer(phone, 3, "Not at all")
    screenshot(phone, "questionnaire-page-1")
    phone.get_by_role("button", name="Next").click()
    expect(phone.locator("#q-progress")).to_have_text("Page 2 of 4")
    for item in (4, 5, 6):
        answer(phone, item, "Several days")
    expect(phone.locator("[data-kept='6']")).to_have_count(1)  # her sixth answer is stored
    phone.close()

    # Second sitting, offline, in a new tab: she is back on page 2 with her answers.
    phone_context.set_offline(True)
    before = len(live_server.recorder.requests)
    later = phone_context.new_page()
    later.goto(f"{live_server.url}/#/questionnaire/{wave}")
    expect(later.locator("#q-progress")).to_have_text("Page 2 of 4")
    expect(question(later, PHQ9[5]).get_by_label("Several days", exact=True)).to_be_checked()
    later.get_by_role("button", name="Back").click()
    expect(
        question(later, PHQ9[0]).get_by_label("More than half the days", exact=True)
    ).to_be_checked()
    later.get_by_role("button", name="Next").click()
    later.get_by_role("button", name="Next").click()
    expect(later.locator("#q-progress")).to_have_text("Page 3 of 4")
    answer(later, 7, "Not at all")
    question(later, PHQ9[7]).get_by_label("Prefer not to answer").check()
    answer(later, 9, "Several days")
    # Crisis help at once, before she goes on, with the 988 and maternal mental health lines.
    crisis = later.locator("#q-crisis")
    expect(crisis.get_by_role("link", name="Call 988")).to_be_visible()
    expect(crisis.get_by_role("link", name="Call 1-833-852-6262")).to_be_visible()
    screenshot(later, "questionnaire-crisis-help")
    later.get_by_role("button", name="Next").click()
    expect(later.locator("#q-progress")).to_have_text("Page 4 of 4")
    later.get_by_role("button", name="Send my answers").click()
    expect(later.get_by_role("heading", level=1)).to_have_text("Thank you. Your answers are saved.")
    assert later.evaluate(PENDING) >= 1
    assert [r for r in reached_server(live_server, before) if r[0] != "GET"] == []
    assert missing_strings(later) == []

    # Online again: two tabs flush at once, and the server keeps one answer set, scored once.
    phone_context.set_offline(False)
    again, twice = phone_context.new_page(), phone_context.new_page()
    again.goto(live_server.url + "/")
    twice.goto(live_server.url + "/")
    wait_for(lambda: again.evaluate(PENDING) == 0)
    expect(again.locator("#wave")).to_have_count(0)
    [response] = live_server.rows(Response)
    assert (response.instrument_id, response.prompt_id) == ("phq9", wave)
    scores = {s.scale_id: s for s in live_server.rows(QuestionnaireScore)}
    assert sorted(scores) == ["phq2", "total"]
    # 2+1+0 + 1+1+1 + 0+(declined)+1 = 7 over 8 answered: 7 x 9 / 8 = 7.875, so 8, mild.
    total = scores["total"]
    assert (total.score, total.band, total.prorated, total.declined) == (8, "mild", True, 1)
    assert (scores["phq2"].score, scores["phq2"].band) == (3, "positive")
    [prompt] = [p for p in live_server.rows(Prompt) if p.id == wave]
    assert prompt.status == "completed"
