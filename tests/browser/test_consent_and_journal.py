"""Consent on record, her data in her hands, a journal nobody else can read: in Chromium."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from savor.clock import utcnow
from savor.config import Settings
from savor.db import make_engine
from savor.studies import service as studies_service
from savor.studies.models import Participant
from tests.browser.conftest import LiveServer, enroll, screenshot, serving
from tests.browser.test_questionnaire import answer, open_wave
from tests.conftest import TEST_SECRET, truncate_all
from tests.factories import bearer, make_research_token
from tests.servers import free_port

WORDS = ["Lighthouse", "marmalade", "Bartholomew"]
# Every byte this origin keeps: each IndexedDB store's records and every Cache Storage body.
STORED = """async () => {
  const out = [];
  const db = await new Promise((ok, fail) => {
    const req = indexedDB.open("savor");
    req.onsuccess = () => ok(req.result);
    req.onerror = () => fail(req.error);
  });
  for (const name of db.objectStoreNames) {
    const rows = await new Promise((ok) => {
      const req = db.transaction(name).objectStore(name).getAll();
      req.onsuccess = () => ok(req.result);
    });
    out.push(name + ":" + JSON.stringify(rows));
  }
  db.close();
  for (const cacheName of await caches.keys()) {
    const cache = await caches.open(cacheName);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      out.push(cacheName + " " + request.url + ":" + (await response.text()));
    }
  }
  return out.join("\\n");
}"""


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path, pwa_dir: Path) -> Iterator[LiveServer]:
    """The live server on SQLite (the shared fixture) or on the session's PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("live_server")
        return
    url = request.getfixturevalue("postgres_url")
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        vapid_private_key=request.getfixturevalue("vapid_private_key"),
        port=free_port(),
        secret_key=TEST_SECRET,
        scheduler_enabled=False,
        pwa_dir=pwa_dir,
        _env_file=None,  # type: ignore[call-arg]
    )
    with serving(settings) as server:
        yield server
    engine = make_engine(url)
    truncate_all(engine)
    engine.dispose()


def _set_pin(page: Page, url: str, pin: str) -> None:
    page.goto(f"{url}/#/settings")
    expect(page.locator("#pin-warning")).to_contain_text("If you forget it, your notes are lost")
    page.locator("#pin-new").fill(pin)
    page.locator("#pin-again").fill(pin)
    page.get_by_role("button", name="Turn on the PIN").click()
    expect(page.get_by_role("button", name="Turn off the PIN")).to_be_visible()


def _write(page: Page, url: str, text: str) -> None:
    page.goto(f"{url}/#/reflect")
    page.locator("#j-feeling").fill(text)
    page.locator("#journal button[type=submit]").click()
    expect(page.locator("#note-list")).to_contain_text(text)


def test_she_joins_by_agreeing_to_the_consent_shown_first(server: LiveServer, phone: Page):
    live_server = server
    phone.goto(f"{live_server.url}/?code={live_server.code()}")
    phone.get_by_role("button", name="Join the study").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Before you join")
    expect(phone.locator(".consent-facts")).to_contain_text("You can stop at any time")
    expect(phone.locator(".consent-full p").first).to_be_hidden()  # the key facts come first
    screenshot(phone, "consent-before-joining")
    phone.get_by_role("button", name="I agree and I want to join").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hello")
    assert live_server.participant().consent_version == 1


def test_a_journal_entry_with_a_pin_is_stored_as_no_word_of_it(server: LiveServer, phone: Page):
    url = server.url
    enroll(phone, server)
    _set_pin(phone, url, "2468")
    _write(phone, url, " ".join(WORDS))
    stored = phone.evaluate(STORED)
    assert "journal:" in stored and '"sealed"' in stored
    for word in WORDS:
        assert word.lower() not in stored.lower(), word
    # Locked again, only her PIN opens it.
    phone.reload()
    expect(phone.locator("#unlock")).to_be_visible()
    phone.locator("#pin").fill("2468")
    phone.get_by_role("button", name="Open").click()
    phone.goto(f"{url}/#/reflect")
    expect(phone.locator("#note-list")).to_contain_text("Lighthouse marmalade")
    screenshot(phone, "journal-unlocked")


def test_changing_and_removing_the_pin_seal_the_journal_again(live_server: LiveServer, phone: Page):
    url = live_server.url
    enroll(phone, live_server)
    _write(phone, url, "Bartholomew slept well")  # sealed with the device key
    assert "Bartholomew" not in phone.evaluate(STORED)
    _set_pin(phone, url, "1357")
    phone.locator("#pin-current").fill("1357")
    phone.locator("#pin-new").fill("9753")
    phone.locator("#pin-again").fill("9753")
    phone.get_by_role("button", name="Change the PIN").click()
    expect(phone.locator("#status")).to_have_text("Your PIN is changed.")
    phone.reload()
    phone.locator("#pin").fill("1357")
    phone.get_by_role("button", name="Open").click()
    expect(phone.locator("#pin-error")).not_to_be_empty()
    phone.locator("#pin").fill("9753")
    phone.get_by_role("button", name="Open").click()
    phone.goto(f"{url}/#/settings")
    phone.locator("#pin-current").fill("9753")
    phone.get_by_role("button", name="Turn off the PIN").click()
    expect(phone.get_by_role("button", name="Turn on the PIN")).to_be_visible()
    phone.reload()
    phone.goto(f"{url}/#/reflect")
    expect(phone.locator("#note-list")).to_contain_text("Bartholomew slept well")
    assert "Bartholomew" not in phone.evaluate(STORED)


def test_quick_exit_leaves_the_journal_locked_and_no_way_back(live_server: LiveServer, phone: Page):
    url = live_server.url
    enroll(phone, live_server)
    _set_pin(phone, url, "2468")
    _write(phone, url, "Lighthouse")
    phone.locator("#quick-exit").click()
    expect(phone.locator("#neutral")).to_be_visible()
    assert "Lighthouse" not in phone.content()
    phone.go_back()
    # Back does not return into the app's journal.
    assert "reflect" not in phone.url
    phone.goto(f"{url}/#/reflect")
    expect(phone.locator("#unlock")).to_be_visible()


def test_a_new_consent_version_is_asked_before_home(server: LiveServer, phone: Page):
    live_server = server
    enroll(phone, live_server)
    source = studies_service.protocol_source_for(slug="pilot", name="Pilot")
    source = re.sub(r"(?m)^  version: 1$", "  version: 2", source)
    with Session(live_server.engine) as session:
        studies_service.apply_protocol(session=session, source=source, now=utcnow())
    phone.goto(f"{live_server.url}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("The study has new terms")
    phone.goto(f"{live_server.url}/#/practices")  # nothing else comes first
    expect(phone.get_by_role("heading", level=1)).to_have_text("The study has new terms")
    screenshot(phone, "consent-again")
    phone.get_by_role("button", name="I agree").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hello")
    assert live_server.participant().consent_version == 2


def test_she_downloads_her_data_then_deletes_it_and_the_next_pull_lists_her(
    server: LiveServer, phone: Page
):
    live_server = server
    enroll(phone, live_server)
    with Session(live_server.engine) as session:
        study = studies_service.get_study(session=session, slug="pilot")
        assert study is not None
        token = make_research_token(session, study)
    with httpx.Client(
        base_url=f"{live_server.url}/api/research/v1/studies/pilot", headers=bearer(token)
    ) as research:
        since = research.get("/export/deletions").headers["Savor-Next-Since"]
        phone.goto(f"{live_server.url}/#/mydata")
        expect(phone.locator("#md-consent")).to_be_visible()
        with phone.expect_download() as downloading:
            phone.locator("#mydata-download").click()
        mine = json.loads(downloading.value.path().read_text(encoding="utf-8"))
        name = mine["pseudonym"]
        assert mine["records"]["consent_record"][0]["version"] == 1
        screenshot(phone, "my-data")

        phone.get_by_role("button", name="Delete my data").click()
        expect(phone.get_by_text("Are you sure? This cannot be undone.")).to_be_visible()
        assert live_server.rows(Participant), "nothing is deleted at the first step"
        phone.get_by_role("button", name="Yes, delete my data").click()
        expect(phone.locator("#deleted")).to_be_visible()
        screenshot(phone, "my-data-deleted")

        assert live_server.rows(Participant) == []
        assert name not in research.get("/export/participants").text
        pulled = research.get("/export/deletions", params={"since": since, "format": "ndjson"})
        assert [json.loads(line)["pseudonym"] for line in pulled.text.splitlines()] == [name]


# A phone from before the vault: the PIN kept as a salted hash, the journal in plain text.
LEGACY = """async () => {
  const { db } = await import('/app.js');
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const material = await crypto.subtle.importKey(
    'raw', new TextEncoder().encode('2468'), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    {name: 'PBKDF2', hash: 'SHA-256', salt, iterations: 150000}, material, 256);
  const b64 = (b) => btoa(String.fromCharCode(...new Uint8Array(b)));
  await db.kv.set('pin', {salt: b64(salt), hash: b64(bits), iterations: 150000});
  await db.put('journal', {id: 'old', created_at: new Date().toISOString(),
    feeling: 'Marmalade mornings', baby: '', other: ''});
}"""


def test_a_journal_from_before_the_vault_is_sealed_at_the_first_unlock(
    live_server: LiveServer, phone: Page
):
    url = live_server.url
    enroll(phone, live_server)
    phone.evaluate(LEGACY)
    phone.reload()
    phone.locator("#pin").fill("2468")
    phone.get_by_role("button", name="Open").click()
    phone.goto(f"{url}/#/reflect")
    expect(phone.locator("#note-list")).to_contain_text("Marmalade mornings")
    stored = phone.evaluate(STORED)
    assert "marmalade" not in stored.lower()
    assert '"iterations":310000' in stored


def test_offline_she_goes_on_as_before_and_is_asked_once_online(
    live_server: LiveServer, phone: Page
):
    enroll(phone, live_server)
    source = studies_service.protocol_source_for(slug="pilot", name="Pilot")
    source = re.sub(r"(?m)^  version: 1$", "  version: 2", source)
    with Session(live_server.engine) as session:
        studies_service.apply_protocol(session=session, source=source, now=utcnow())
    phone.context.set_offline(True)
    phone.reload()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hello")
    phone.context.set_offline(False)
    phone.reload()
    expect(phone.get_by_role("heading", level=1)).to_have_text("The study has new terms")


def test_a_questionnaire_draft_is_sealed_like_the_journal(live_server: LiveServer, phone: Page):
    url = live_server.url
    enroll(phone, live_server)
    _set_pin(phone, url, "2468")
    wave = open_wave(live_server)
    phone.goto(f"{url}/#/questionnaire/{wave}")
    answer(phone, 1, "More than half the days")
    phone.get_by_role("button", name="Next").click()
    expect(phone.locator("#q-progress")).to_have_text("Page 2 of 4")
    draft = f"questionnaireDraft:{wave}"
    kept = phone.evaluate("key => import('/app.js').then(({ db }) => db.kv.get(key))", draft)
    assert list(kept) == ["sealed"]
    assert '"answers"' not in phone.evaluate(STORED)
    phone.reload()
    phone.locator("#pin").fill("2468")
    phone.get_by_role("button", name="Open").click()
    phone.goto(f"{url}/#/questionnaire/{wave}")
    expect(phone.locator("#q-progress")).to_have_text("Page 2 of 4")
