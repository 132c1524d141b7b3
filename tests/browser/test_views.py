"""Every view, looked at: axe-core finds no serious problem, Spanish has every string, large
text still works, and a screenshot of each view at 390x844 lands in test-artifacts/."""

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from savor.clock import utcnow
from tests.browser.conftest import LiveServer, missing_strings, new_phone, screenshot

AXE = Axe()

SEED_YESTERDAY = """async ([startedAt, endedAt]) => {
  const { api, outbox } = await import('/app.js');
  const detail = await api.practice('P01');
  const ratings = (s, c, a) => [{item_id: 'S1', value: s, declined: false},
    {item_id: 'C1', value: c, declined: false}, {item_id: 'A1', value: a, declined: false}];
  await outbox.save(api.writes.practiceSession({
    client_id: crypto.randomUUID(), practice_id: 'P01', practice_version: detail.version,
    variant: '10min', option: null, started_at: startedAt, ended_at: endedAt, completed: true,
    seconds_practiced: 600, steps_completed: 8, trigger: 'self', prompt_id: null, rule: null,
    pre_instrument: 'pre_practice', pre: ratings(7, 5, 3),
    post_instrument: 'post_practice', post: ratings(4, 3, 6) }), 'P01');
}"""


def serious_violations(page: Page) -> list[str]:
    found = AXE.run(page).response["violations"]
    return [
        f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def heading(page: Page) -> str:
    h1 = page.locator("main:visible h1")
    expect(h1).to_have_count(1)
    return h1.inner_text()


def seed(page: Page) -> None:
    started = utcnow() - timedelta(hours=20)
    page.evaluate(
        SEED_YESTERDAY, [started.isoformat(), (started + timedelta(minutes=10)).isoformat()]
    )


def visit(page: Page, url: str, route: str) -> None:
    page.goto(f"{url}/#/{route}")
    expect(page.locator(f"main[data-route='#/{route}']")).to_have_count(1)


def tour(page: Page, server: LiveServer, language: str) -> Iterator[str]:
    """Walk through every view as she would, yielding each view's name once it is showing."""
    url = server.url
    page.goto(f"{url}/?code={server.code()}")
    page.locator(f"input[name=language][value={language}]").check()
    expect(page.locator("html")).to_have_attribute("lang", language)
    yield "enroll"
    page.locator("#enroll button[type=submit]").click()
    expect(page.locator(".consent-facts li").first).to_be_visible()
    yield "consent"
    page.locator("#consent-agree").click()
    expect(page.locator("html[data-offline-ready]")).to_have_count(1, timeout=15_000)
    seed(page)
    server.open_prompt("momentary")
    page.reload()
    expect(page.locator("main a[href^='#/checkin/']").first).to_be_visible()
    yield "home"
    visit(page, url, "practices")
    expect(page.locator("main .tile").first).to_be_visible()
    yield "practices"
    visit(page, url, "practice/P01")
    expect(page.locator("#setup")).to_be_visible()
    yield "player-setup"
    page.locator("#setup button[type=submit]").click()
    slider = page.locator("#ratings input[type=range]").first
    slider.focus()
    slider.press("ArrowLeft")
    yield "player-before"
    page.locator("#ratings button[type=submit]").click()
    expect(page.locator("#step-text")).not_to_be_empty()
    yield "player-steps"
    page.locator("#end").click()
    expect(page.locator("#ratings")).to_be_visible()
    yield "player-after"
    page.locator("#ratings button[type=submit]").click()
    expect(page.locator("main .actions a[href='#/']")).to_be_visible()
    yield "player-done"
    visit(page, url, "checkin")
    expect(page.locator("main .tile")).to_have_count(1)
    yield "checkin"
    visit(page, url, "checkin/now")
    expect(page.locator("#checkin")).to_be_visible()
    yield "checkin-form"
    visit(page, url, "checkin/hard")
    expect(page.locator("#checkin")).to_be_visible()
    yield "hard-moment"
    slider = page.locator("#checkin input[type=range]").first
    slider.focus()
    slider.press("End")
    page.locator("#checkin button[type=submit]").click()
    expect(page.locator("#offers a[href^='tel:']").first).to_be_visible()
    yield "offers"
    visit(page, url, "trends")
    expect(page.locator("svg.chart").first).to_be_visible()
    yield "trends"
    visit(page, url, "reflect")
    page.locator("#j-feeling").fill("Calm after the walk" if language == "en" else "Tranquila")
    page.locator("#journal button[type=submit]").click()
    expect(page.locator("[data-delete]")).to_have_count(1)
    yield "reflect"
    visit(page, url, "help")
    expect(page.locator("main a[href='tel:988']").first).to_be_visible()
    yield "help"
    visit(page, url, "settings")
    expect(page.locator("#notify-state")).not_to_be_empty()
    yield "settings"
    visit(page, url, "mydata")
    expect(page.locator("#mydata-download")).to_be_visible()
    yield "mydata"
    page.evaluate("import('/app.js').then((app) => app.vault()).then((v) => v.setPin('1234'))")
    page.reload()
    expect(page.locator("#unlock")).to_be_visible()
    yield "lock"
    page.locator("#quick-exit").click()
    expect(page.locator("#neutral")).to_be_visible()
    yield "quick-exit"


VIEWS = 20


def walk(browser: Browser, server: LiveServer, language: str, check: Callable[[Page, str], None]):
    context = new_phone(browser, color_scheme="light")
    page = context.new_page()
    seen = []
    for name in tour(page, server, language):
        check(page, name)
        seen.append(name)
    errors = context.errors  # type: ignore[attr-defined]
    context.close()
    assert not errors, errors
    assert len(seen) == VIEWS, seen


def test_every_view_passes_axe_and_is_photographed(live_server: LiveServer, browser: Browser):
    problems = {}

    def check(page: Page, name: str) -> None:
        if found := serious_violations(page):
            problems[name] = found
        screenshot(page, f"en-{name}")

    walk(browser, live_server, "en", check)
    assert problems == {}


def test_every_view_in_spanish_has_every_string(live_server: LiveServer, browser: Browser):
    headings = {}

    def check(page: Page, name: str) -> None:
        expect(page.locator("html")).to_have_attribute("lang", "es")
        if name != "quick-exit":
            headings[name] = heading(page)
        assert missing_strings(page) == [], name
        screenshot(page, f"es-{name}")

    walk(browser, live_server, "es", check)
    assert headings["enroll"] == "Te damos la bienvenida"
    assert headings["hard-moment"] == "Un momento difícil"
    assert headings["help"] == "Pedir ayuda ahora"


UNCOVERED = """el => {
  const r = el.getBoundingClientRect();
  return el.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
}"""
LARGE_TEXT_VIEWS = ["home", "practices", "player-setup", "checkin-form", "offers", "settings"]


@pytest.mark.parametrize("scheme", ["dark"])
def test_large_text_and_dark_scheme_still_work(
    live_server: LiveServer, browser: Browser, scheme: str
):
    """Her browser's text size at 200%: nothing is cut off, covered or wider than the screen."""
    context = new_phone(browser, color_scheme=scheme, reduced_motion="reduce")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    for name in tour(page, live_server, "en"):
        if name not in LARGE_TEXT_VIEWS:
            continue
        # Chromium's own text-size setting (16 px by default); a reload may reset it here.
        cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
        expect(page.locator("body")).to_have_css("font-size", "36px")
        screenshot(page, f"large-text-{scheme}-{name}")
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{name} is {overflow}px wider than the screen"
        for control in ("#quick-exit", ".help-link"):
            expect(page.locator(control)).to_be_in_viewport()
        last = page.locator("#main :is(a, button)").last
        last.scroll_into_view_if_needed()
        assert last.evaluate(UNCOVERED), f"{name}: its last button is covered"
        assert serious_violations(page) == [], name
    context.close()
