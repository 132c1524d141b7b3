"""The backend serves the app shell to a real phone-sized Chromium."""

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot


def test_app_shell_loads_with_help_one_tap_away(live_server: str, phone: Page):
    phone.goto(live_server + "/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Savor")
    expect(phone.get_by_role("link", name="988")).to_have_attribute("href", "tel:988")
    assert screenshot(phone, "app-shell").stat().st_size > 0
