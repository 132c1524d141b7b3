"""Her data page shows her own questionnaire totals plainly: the number and the range it runs
over, with words that do not judge, and never a band's name."""

import json
import uuid
from datetime import timedelta

from playwright.sync_api import Page, expect

from savor.clock import utcnow
from tests.browser.conftest import LiveServer, enroll, missing_strings, screenshot

SEND = """([body]) => import('/app.js').then(async ({ api }) => {
  const token = await api.loadToken();
  const answer = await fetch('/api/v1/responses', {
    method: 'POST',
    headers: {'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json'},
    body: body,
  });
  return answer.status;
})"""


def phq9(values: dict[int, int]) -> str:
    return json.dumps(
        {
            "client_id": str(uuid.uuid4()),
            "instrument_id": "phq9",
            "instrument_version": "1",
            "submitted_at": (utcnow() - timedelta(minutes=1)).isoformat(),
            "answers": [
                {"item_id": f"phq9_{n}", "value": v, "declined": False} for n, v in values.items()
            ],
        }
    )


def test_her_data_page_shows_her_phq9_total_without_a_severity_word(
    live_server: LiveServer, phone: Page
):
    enroll(phone, live_server)
    # 16: the band the study team sees is "moderately severe".
    values = {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2, 9: 0}
    assert phone.evaluate(SEND, [phq9(values)]) == 201

    phone.goto(f"{live_server.url}/#/mydata")

    scores = phone.locator("#mydata-scores")
    expect(scores).to_contain_text("How you've been feeling (PHQ-9)")
    expect(scores).to_contain_text("16 on a scale from 0 to 27")
    expect(phone.get_by_text("It is not a grade and not a diagnosis.", exact=False)).to_be_visible()
    for word in ("severe", "moderate", "positive", "Moderately"):
        expect(scores).not_to_contain_text(word)
    expect(phone.locator("#md-other").locator("..")).not_to_contain_text("questionnaire_score")
    assert missing_strings(phone) == []
    scores.scroll_into_view_if_needed()
    screenshot(phone, "mydata-scores")
