"""Joining the study as the PWA does: the consent read and agreed to, a code, her zone and
language, her waking hours, and a push subscription for this phone."""

import base64
from datetime import datetime, time, timedelta

from savor.rehearsal.phone import Phone


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _half_hour(hours: float) -> time:
    whole = int(hours)
    return time(whole % 24, 30 if hours - whole >= 0.5 else 0)


async def join(phone: Phone) -> None:
    # She reads her study's consent first and joins agreeing to the version she read.
    asked = {"code": phone.code, "language": phone.language}
    consent = await phone.call("POST", "/enroll/consent", asked)
    if consent.status_code != 200:
        raise RuntimeError(f"phone {phone.number} could not read the consent: {consent.text}")
    body = asked | {"timezone": phone.zone, "consent_version": consent.json()["version"]}
    enrolled = await phone.call("POST", "/enroll", body)
    if enrolled.status_code != 201:
        raise RuntimeError(f"phone {phone.number} could not enroll: {enrolled.text}")
    phone.token = enrolled.json()["token"]
    truth = phone.truth
    truth.enrolled_at = datetime.fromisoformat(enrolled.json()["participant"]["enrolled_at"])
    truth.zones.append((truth.enrolled_at, phone.zone))
    truth.consents.append((consent.json()["version"], truth.enrolled_at))
    model, rng = phone.model, phone.rng
    truth.wake = _half_hour(rng.uniform(*model.wake_hours))
    truth.sleep = _half_hour(rng.uniform(*model.sleep_hours))
    hours = {"wake_time": truth.wake.strftime("%H:%M"), "sleep_time": truth.sleep.strftime("%H:%M")}
    changed = await phone.call("PATCH", "/me", hours)
    assert changed.status_code == 200, changed.text
    key = b"\x04" + rng.randbytes(64)
    subscription = {
        "endpoint": phone.endpoint,
        "keys": {"p256dh": _b64(key), "auth": _b64(rng.randbytes(16))},
        "installed": True,
        "permission": "granted",
        "app_version": "rehearsal",
    }
    subscribed = await phone.call("POST", "/push-subscriptions", subscription)
    assert subscribed.status_code in (200, 201), subscribed.text
    practice = await phone.call("GET", "/practices/P01")
    assert practice.status_code == 200, practice.text
    phone.practice_version = practice.json()["version"]
    phone.later(timedelta(seconds=1), phone.day_begins)
