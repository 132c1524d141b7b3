"""Home says calmly when reminders cannot reach her, offers one fix, and can wait a week."""

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, enroll, missing_strings


def test_reminders_off_are_noticed_once_and_not_now_hides_them(
    live_server: LiveServer, phone: Page
):
    enroll(phone, live_server)
    notice = phone.get_by_role("region", name="Reminders are off")
    expect(notice).to_be_visible()
    expect(notice.get_by_role("button", name="Turn on reminders")).to_be_visible()
    notice.get_by_role("button", name="Not now").click()
    expect(notice).to_have_count(0)
    phone.reload()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hello")
    expect(phone.get_by_role("region", name="Reminders are off")).to_have_count(0)
    hidden_until = phone.evaluate(
        "import('/app.js').then(({ db }) => db.kv.get('reminderNoticeUntil'))"
    )
    days = (hidden_until - phone.evaluate("Date.now()")) / 86_400_000
    assert 6.9 < days <= 7
    assert missing_strings(phone) == []


def test_a_due_check_in_shows_on_home_beside_the_notice(live_server: LiveServer, phone: Page):
    enroll(phone, live_server)
    live_server.open_prompt()
    phone.reload()
    expect(phone.get_by_role("heading", name="A check-in is ready")).to_be_visible()
    expect(phone.get_by_role("region", name="Reminders are off")).to_be_visible()
