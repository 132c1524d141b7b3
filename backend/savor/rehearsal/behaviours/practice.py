"""Practising: on some days (fewer as weeks go by) at her usual hour, a session of a few
minutes with her stress and craving before and after; practice lowers both."""

from datetime import date, datetime, timedelta

from savor.clock import time_zone
from savor.rehearsal.behaviours.consent import may_use_app
from savor.rehearsal.behaviours.feelings import now_ratings
from savor.rehearsal.model import rating
from savor.rehearsal.phone import Phone


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


async def on_day(phone: Phone, today: date) -> None:
    if phone.rng.random() >= phone.model.practises(phone.week(phone.now())):
        return
    low, high = phone.model.practice_hour_range
    hour = phone.rng.uniform(low, high)
    local = datetime.combine(today, datetime.min.time(), tzinfo=time_zone(phone.zone))
    start = (local + timedelta(hours=hour)).astimezone(phone.now().tzinfo)
    if start <= phone.now():
        return

    async def practise() -> None:
        await _practise(phone)

    phone.calendar.at(start, phone, practise)


async def _practise(phone: Phone) -> None:
    if not phone.active or not await may_use_app(phone):
        return
    model = phone.model
    # P01's 10-minute variant, which she sometimes leaves early.
    completed = phone.rng.random() >= model.practice_stop_early
    seconds = 600 if completed else phone.rng.randint(60, 540)
    started = phone.unique(phone.now() - timedelta(seconds=seconds))
    stress, craving, s, c = now_ratings(phone, started)
    drop = model.practice_pre_post_drop
    after = [rating(s - phone.rng.gauss(drop, 0.7)), rating(c - phone.rng.gauss(drop, 0.7))]
    body = {
        "practice_id": "P01",
        "practice_version": phone.practice_version,
        "variant": "10min",
        "started_at": _at(started),
        "ended_at": _at(started + timedelta(seconds=seconds)),
        "completed": completed,
        "seconds_practiced": seconds,
        "steps_completed": 8 if completed else max(1, seconds * 8 // 600),
        "trigger": "self",
        "pre": [{"item_id": "S1", "value": stress}, {"item_id": "C1", "value": craving}],
        "post": [{"item_id": "S1", "value": after[0]}, {"item_id": "C1", "value": after[1]}],
    }
    phone.truth.practised_dates.add(phone.local(started).date())
    phone.truth.practice_seconds += seconds
    phone.record("practice", "/practice-sessions", body, started)
    await phone.flush()


async def from_offer(phone: Phone, practice_id: str, rule: str) -> None:
    """She took up an offer: the app opens its practice at once (`#/practice/ID?rule=RULE`)
    and she skips the ratings before and after; the session says the rule that offered it."""
    shown = await phone.call("GET", f"/practices/{practice_id}")
    if shown.status_code != 200:
        return
    practice = shown.json()
    variant = next((v for v in practice["variants"] if v.get("default")), practice["variants"][0])
    length, steps = int(variant["duration_s"]), len(variant.get("steps") or [None])
    completed = phone.rng.random() >= phone.model.practice_stop_early
    seconds = length if completed else phone.rng.randint(min(30, length), length)
    started = phone.unique(phone.now())

    async def finish() -> None:
        if not phone.active:
            return
        body = {
            "practice_id": practice_id,
            "practice_version": practice["version"],
            "variant": variant["key"],
            "started_at": _at(started),
            "ended_at": _at(started + timedelta(seconds=seconds)),
            "completed": completed,
            "seconds_practiced": seconds,
            "steps_completed": steps if completed else max(1, steps * seconds // length),
            "trigger": "rule",
            "rule": rule,
            "pre": None,
            "post": None,
        }
        phone.truth.practised_dates.add(phone.local(started).date())
        phone.truth.practice_seconds += seconds
        phone.record("practice", "/practice-sessions", body, started)
        await phone.flush()

    phone.later(timedelta(seconds=seconds), finish)
