"""The practice player: the quiet timer's bells and pause, and the study's recordings offline."""

import io
import math
import struct
import wave

from playwright.sync_api import BrowserContext, Page, expect

from savor.ema.models import Offer
from savor.practices.models import PracticeSession
from tests.browser.conftest import LiveServer, enroll

# Each bell is three WebAudio oscillators; counting them counts the bells she hears.
COUNT_BELLS = """
window.oscillators = 0;
const make = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  window.oscillators += 1;
  return make.call(this);
};
"""


def bells(page: Page) -> int:
    return page.evaluate("window.oscillators") // 3


def test_quiet_timer_rings_interval_bells_and_pauses(live_server: LiveServer, phone: Page):
    enroll(phone, live_server)
    phone.add_init_script(COUNT_BELLS)
    phone.clock.install()
    phone.goto(f"{live_server.url}/?timer#/practice/T01")
    phone.get_by_label("3 minutes").check()
    phone.get_by_label("Every minute").check()
    phone.get_by_role("button", name="Begin").click()
    timer = phone.get_by_role("timer")
    expect(timer).to_have_text("3:00")
    assert bells(phone) == 1  # the start
    phone.clock.run_for(61_000)
    expect(timer).to_have_text("1:59")
    assert bells(phone) == 2
    phone.get_by_role("button", name="Pause").click()
    phone.clock.run_for(300_000)
    expect(timer).to_have_text("1:59")
    assert bells(phone) == 2
    phone.get_by_role("button", name="Resume").click()
    phone.clock.run_for(60_000)
    assert bells(phone) == 3
    phone.clock.run_for(60_000)
    expect(phone.get_by_role("heading", level=1)).to_have_text("How are you now?")
    assert bells(phone) == 4  # the end
    phone.get_by_role("button", name="Skip").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you for taking this time")
    expect(phone.get_by_role("status")).to_have_text("Saved and sent.")
    [session] = live_server.rows(PracticeSession)
    assert (session.practice_id, session.variant, session.completed) == ("T01", "3min", True)
    assert 179 <= session.seconds_practiced <= 182
    assert session.pre is None and session.post is None


def _wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        samples = (
            int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(int(rate * seconds))
        )
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return buffer.getvalue()


RANGE = """async (url) => {
  const response = await fetch(url, { headers: { Range: 'bytes=100-199' } });
  const bytes = [...new Uint8Array(await response.arrayBuffer())];
  return [response.status, response.headers.get('content-range'), bytes];
}"""


def test_recordings_are_kept_for_offline_use_with_ranges(
    live_server: LiveServer, phone_context: BrowserContext, phone: Page
):
    recording = _wav()
    folder = live_server.settings.data_dir / "audio" / "pilot"
    folder.mkdir(parents=True)
    (folder / "p03-en.wav").write_bytes(recording)
    audio = [{"practice": "P03", "variant": "3min", "language": "en", "file": "p03-en.wav"}]
    enroll(phone, live_server, audio=audio)
    phone_context.set_offline(True)
    phone.goto(f"{live_server.url}/#/practice/P03")
    expect(phone.get_by_text("You will hear the study's recording.")).to_be_visible()
    status, span, body = phone.evaluate(RANGE, "/api/v1/audio/pilot/p03-en.wav")
    assert (status, span) == (206, f"bytes 100-199/{len(recording)}")
    assert bytes(body) == recording[100:200]


def test_a_hard_moment_offers_a_breathing_break_she_can_take(live_server: LiveServer, phone: Page):
    enroll(phone, live_server)
    phone.get_by_role("link", name="I'm having a hard moment").click()
    craving = phone.get_by_role("group", name="How strong is your craving for opioids right now?")
    craving.get_by_role("slider").focus()
    for _ in range(3):
        craving.get_by_role("slider").press("ArrowRight")  # 8: high, not a crisis
    phone.get_by_role("button", name="Send").click()
    expect(phone.get_by_role("heading", name="Take a breathing break?")).to_be_visible()
    expect(phone.get_by_role("link", name="Call 988")).to_have_count(0)
    phone.get_by_role("link", name="Start the breathing break").click()
    phone.get_by_role("button", name="Begin").click()
    phone.get_by_role("button", name="Skip").click()
    phone.get_by_role("button", name="End the practice now").click()
    phone.get_by_role("button", name="Skip").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you for taking this time")
    [offer] = live_server.rows(Offer)
    assert (offer.rule, offer.outcome) == ("offer_breathing", "accepted")
    [session] = live_server.rows(PracticeSession)
    assert (session.practice_id, session.trigger, session.rule) == (
        "P03",
        "rule",
        "offer_breathing",
    )
    assert session.completed is False and session.pre is None
