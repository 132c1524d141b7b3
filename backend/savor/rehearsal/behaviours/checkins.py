"""Pushed check-ins: receipts as the service worker sends them, then she opens and answers
(or lets it pass), with the chance of answering by hour of her day and study week and a
log-normal delay (model.py). A push of a questionnaire wave gets the same receipts, and is
then hers to fill as the form is filled (questionnaires.py)."""

from datetime import datetime, timedelta
from typing import Any

from savor.rehearsal.behaviours import questionnaires
from savor.rehearsal.behaviours.consent import may_use_app
from savor.rehearsal.behaviours.feelings import now_ratings
from savor.rehearsal.phone import Phone
from savor.rehearsal.pushbox import Push

REMINDER_CHANCE = 0.5  # a reminder wins back half as often as the first push


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def receipts(phone: Phone, prompt_id: str, *, shown: bool) -> None:
    """As the service worker reports a push: delivered, and shown when it will show it (counted
    only while the prompt is open), in one request."""
    at = _at(phone.now())
    events: list[dict[str, Any]] = [{"event": "delivered", "at": at}]
    if shown:
        events.append({"event": "shown", "at": at, "if_open": True})
    phone.queue(f"/prompts/{prompt_id}/receipts", {"events": events})


async def on_push(phone: Phone, push: Push) -> None:
    if push.payload["type"] == "offer":
        return  # a trial's offer asks no check-in (behaviours/trial_offers.py)
    prompt_id = push.payload["prompt_id"]
    expires = datetime.fromisoformat(push.payload["expires_at"])
    phone.truth.pushes.append((prompt_id, push.payload["type"], push.sent_at))
    phone.truth.prompts[prompt_id] = expires
    closed = phone.now() >= expires or prompt_id in phone.truth.answered
    receipts(phone, prompt_id, shown=not closed)
    if closed:
        return  # the worker stays silent for a check-in already closed
    await _keep_open_prompts(phone)
    if questionnaires.is_wave(phone, prompt_id):
        await questionnaires.on_wave_push(phone, prompt_id, expires)
        return
    chance = phone.model.answers(phone.local(phone.now()).hour, phone.week(phone.now()))
    if push.payload["type"] == "reminder":
        chance *= REMINDER_CHANCE
    if phone.rng.random() >= chance:
        return
    delay = timedelta(minutes=phone.model.delay_minutes(phone.rng))
    if phone.now() + delay >= expires:
        return  # by the time she looks, it has closed

    async def answer() -> None:
        await _answer(phone, prompt_id, expires)

    phone.later(delay, answer)


async def _answer(phone: Phone, prompt_id: str, expires: datetime) -> None:
    if not phone.active or prompt_id in phone.truth.answered or phone.now() >= expires:
        return
    if not await may_use_app(phone):
        return  # a newer consent comes first, and she did not agree
    view = await _open(phone, prompt_id)
    if view is None:
        return
    seconds = phone.rng.randint(*phone.model.answer_seconds)
    started = phone.now()

    async def submit() -> None:
        if not phone.active:
            return
        submitted = phone.unique(phone.now())
        body = {
            "prompt_id": prompt_id,
            "instrument_id": view["instrument"]["id"],
            "instrument_version": str(view["instrument"]["version"]),
            "started_at": _at(started),
            "submitted_at": _at(submitted),
            "answers": answers(phone, view["instrument"]["items"], submitted),
        }
        late = submitted > expires
        phone.record("response", "/responses", body, submitted, prompt_id=prompt_id, late=late)
        phone.truth.answered.setdefault(prompt_id, None)  # type: ignore[arg-type]
        await phone.flush()

    phone.later(timedelta(seconds=seconds), submit)


async def _open(phone: Phone, prompt_id: str) -> dict[str, Any] | None:
    """The check-in as the app shows it: asked for when online, else the copy it kept."""
    kept = phone.kept_prompts.get(prompt_id)
    if not phone.online:
        return kept
    phone.queue(f"/prompts/{prompt_id}/receipts", {"event": "clicked", "at": _at(phone.now())})
    opened = await phone.call("POST", f"/prompts/{prompt_id}/opened")
    if opened.status_code != 200:
        return kept
    phone.kept_prompts[prompt_id] = opened.json()
    return opened.json()


async def _keep_open_prompts(phone: Phone) -> None:
    """The app keeps her open check-ins, so she can answer one offline."""
    listed = await phone.call("GET", "/prompts")
    if listed.status_code == 200:
        phone.kept_prompts.update({view["id"]: view for view in listed.json()})


def answers(phone: Phone, items: list[dict[str, Any]], moment: datetime) -> list[dict[str, Any]]:
    stress, craving, _, _ = now_ratings(phone, moment)
    given: list[dict[str, Any]] = []
    for item in items:
        if item.get("show_if"):
            continue  # shown only after another answer: she skips it
        value: Any
        if item["id"] == "S1":
            value = stress
        elif item["id"] == "C1":
            value = craving
        elif item["type"] == "rating":
            value = phone.rng.randint(0, 10)
        elif item["type"] == "yes_no":
            value = phone.rng.random() < 0.5
        elif item["type"] == "likert" and item.get("options"):
            value = phone.rng.choice(item["options"])["value"]
        else:
            continue
        given.append({"item_id": item["id"], "value": value, "declined": False})
    return given
