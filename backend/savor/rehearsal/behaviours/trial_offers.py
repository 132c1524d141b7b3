"""A micro-randomized trial's offers that come as notifications (a random-time probe or her
practice reminder drew a practice), as the app handles them: the service worker's receipts,
then she taps it (`clicked`, `GET /prompts/{id}/offer`, and on "Yes" `POST /prompts/{id}/opened`,
which is her taking it up, and the practice; "Not now" sends nothing), swipes it away
(`dismissed`), or lets it close. And, when the trial has a practice-reminder rule, the
reminder time her app offers her to set (`PATCH /me` `practice_reminder_time`), which makes
each day's time a decision point."""

from datetime import datetime, timedelta

from savor.rehearsal.behaviours import practice
from savor.rehearsal.behaviours.checkins import receipts
from savor.rehearsal.behaviours.consent import may_use_app
from savor.rehearsal.phone import Phone
from savor.rehearsal.pushbox import Push

OFFER = "offer"  # the push type of a trial's offer notification


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


async def on_push(phone: Phone, push: Push) -> None:
    if push.payload["type"] != OFFER:
        return
    prompt_id = push.payload["prompt_id"]
    expires = datetime.fromisoformat(push.payload["expires_at"])
    phone.truth.offer_notices[prompt_id] = expires
    closed = phone.now() >= expires
    receipts(phone, prompt_id, shown=not closed)
    if closed:
        return
    model = phone.model
    chance = phone.rng.random()
    delay = timedelta(minutes=model.delay_minutes(phone.rng))
    if phone.now() + delay >= expires:
        return  # by the time she looks, it has closed
    if chance < model.offer_tap_probability:

        async def tap() -> None:
            await _tap(phone, prompt_id, expires)

        phone.later(delay, tap)
    elif chance < model.offer_tap_probability + model.offer_dismiss_probability:

        async def swipe() -> None:
            await _swipe(phone, prompt_id, expires)

        phone.later(delay, swipe)


def _can_act(phone: Phone, expires: datetime) -> bool:
    return phone.active and phone.online and phone.now() < expires


async def _tap(phone: Phone, prompt_id: str, expires: datetime) -> None:
    if not _can_act(phone, expires):
        return
    phone.queue(f"/prompts/{prompt_id}/receipts", {"event": "clicked", "at": _at(phone.now())})
    await phone.flush()
    if not await may_use_app(phone):
        return  # the consent comes first, and she did not agree
    shown = await phone.call("GET", f"/prompts/{prompt_id}/offer")
    if shown.status_code != 200 or not shown.json().get("open"):
        return
    if phone.rng.random() >= phone.model.offer_accept_probability:
        return  # "Not now": the app sends nothing
    opened = await phone.call("POST", f"/prompts/{prompt_id}/opened")
    if 200 <= opened.status_code < 300:
        phone.truth.notice_outcomes.setdefault(prompt_id, "accepted")
    offer = shown.json()
    await practice.from_offer(phone, offer["practice_id"], offer["rule"])


async def _swipe(phone: Phone, prompt_id: str, expires: datetime) -> None:
    """The service worker reports a notification closed unopened, at once."""
    if not _can_act(phone, expires):
        return
    body = {"event": "dismissed", "at": _at(phone.now())}
    answer = await phone.call("POST", f"/prompts/{prompt_id}/receipts", body)
    if 200 <= answer.status_code < 300:
        phone.truth.notice_outcomes.setdefault(prompt_id, "declined")


async def on_day(phone: Phone, today: object) -> None:
    """Her first day: the app offers a practice reminder time when the trial has the rule."""
    if phone.truth.reminder_asked or not phone.online:
        return
    phone.truth.reminder_asked = True
    me = await phone.call("GET", "/me")
    if me.status_code != 200 or not me.json().get("practice_reminders"):
        return
    if phone.rng.random() >= phone.model.practice_reminder_share:
        return
    low, high = phone.model.practice_reminder_hours
    truth = phone.truth
    # A time she is awake: inside her waking hours, an hour from either end.
    sleep = truth.sleep.hour + truth.sleep.minute / 60
    if sleep <= truth.wake.hour:
        sleep += 24
    high = min(high, sleep - 1)
    low = min(max(low, truth.wake.hour + truth.wake.minute / 60 + 1), high)
    hours = phone.rng.uniform(low, high) % 24
    chosen = f"{int(hours):02d}:{30 if hours % 1 >= 0.5 else 0:02d}"
    await phone.call("PATCH", "/me", {"practice_reminder_time": chosen})
