"""Questionnaire waves, filled as the PWA's form is (pwa/js/views/questionnaire.js): hours or
days after the wave's push she opens the form (`POST /prompts/{id}/opened` the first time,
through the outbox), answers three questions a screen with a draft kept on her phone, and
sometimes stops after a page or more and finishes hours later, offline too. What she finished
is sent once, through the outbox, under the client id made when she began and with
`started_at` of her first sitting. Her answers come from the data-generating model (model.py):
each item around a level tied to her own stress mean, an item at its crisis threshold rarely.

A push of a wave reaches this module through checkins.on_push, which sends its receipts and
keeps her open prompts first. A reminder that finds her with a draft, a sitting ahead or the
wave sent does nothing more.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from savor.rehearsal.behaviours.consent import may_use_app
from savor.rehearsal.phone import Phone
from savor.rehearsal.truth import Record, WaveFill

PER_PAGE = 3  # questions a screen, as the PWA pages them
REMINDER_CHANCE = 0.5  # a reminder that finds her not begun wins her back half as often
SECONDS_PER_ITEM = 12


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def is_wave(phone: Phone, prompt_id: str) -> bool:
    return phone.kept_prompts.get(prompt_id, {}).get("kind") == "wave"


async def on_wave_push(phone: Phone, prompt_id: str, expires: datetime) -> None:
    view = phone.kept_prompts[prompt_id]
    fill = phone.truth.waves.get(prompt_id)
    chance = phone.model.wave_fill_probability
    if fill is None:  # the first push of it that reached her, whichever it was
        fill = WaveFill(prompt_id, view["schedule_id"], view["instrument"]["id"])
        phone.truth.waves[prompt_id] = fill
    else:
        chance *= REMINDER_CHANCE
    if fill.planned or fill.sent_at or prompt_id in phone.questionnaire_drafts:
        return
    if phone.rng.random() >= chance:
        return
    fill.planned = True
    moment = _awake(phone, phone.now() + timedelta(hours=phone.model.wave_delay_hours(phone.rng)))
    if moment >= expires:
        return  # by the time she sits down to it, it has closed: missed

    async def first_sitting() -> None:
        await _sitting(phone, fill, expires)

    phone.calendar.at(moment, phone, first_sitting)


def _awake(phone: Phone, moment: datetime) -> datetime:
    """A sitting that would fall while she sleeps waits until she is up (within two hours)."""
    wake, sleep = phone.truth.wake, phone.truth.sleep
    local = phone.local(moment)
    if wake <= local.time() < sleep:
        return moment
    day = local.date() if local.time() < wake else local.date() + timedelta(days=1)
    woke = datetime.combine(day, wake, tzinfo=local.tzinfo).astimezone(moment.tzinfo)
    return woke + timedelta(minutes=phone.rng.uniform(0, 120))


async def _sitting(phone: Phone, fill: WaveFill, expires: datetime) -> None:
    prompt_id = fill.prompt_id
    view = phone.kept_prompts.get(prompt_id)
    if not phone.active or fill.sent_at or phone.now() >= expires or view is None:
        return
    if not await may_use_app(phone):
        return  # a newer consent comes first, and she did not agree: the draft waits
    draft = phone.questionnaire_drafts.get(prompt_id)
    if draft is None:
        draft = {
            "client_id": str(uuid.uuid4()),
            "started_at": phone.now(),
            "page": 0,
            "answers": [],
        }
        phone.questionnaire_drafts[prompt_id] = draft
        fill.opened_at = phone.now()
    if not draft["answers"]:
        phone.queue(f"/prompts/{prompt_id}/opened", {})  # the form opened, before any answer
        await phone.flush()
    fill.sittings += 1
    fill.offline_sitting = fill.offline_sitting or not phone.online
    items = [item for item in view["instrument"]["items"] if not item.get("show_if")]
    pages = [items[n : n + PER_PAGE] for n in range(0, len(items), PER_PAGE)]
    last = len(pages)
    two = fill.sittings == 1 and len(pages) > 1
    if two and phone.rng.random() < phone.model.wave_two_sittings_probability:
        moment = _awake(
            phone, phone.now() + timedelta(hours=phone.model.second_sitting_hours(phone.rng))
        )
        if moment < expires:
            last = phone.rng.randint(1, len(pages) - 1)

            async def second_sitting() -> None:
                await _sitting(phone, fill, expires)

            phone.calendar.at(moment, phone, second_sitting)
    answered = [item for page in pages[draft["page"] : last] for item in page]
    draft["answers"] += [_answer(phone, item) for item in answered]
    draft["page"] = last
    if last < len(pages):
        return  # the draft stays on her phone until her next sitting

    async def send() -> None:
        await _send(phone, fill, view, draft, expires)

    phone.later(timedelta(seconds=SECONDS_PER_ITEM * max(1, len(answered))), send)


async def _send(
    phone: Phone, fill: WaveFill, view: dict[str, Any], draft: dict[str, Any], expires: datetime
) -> None:
    if not phone.active or fill.sent_at:
        return
    submitted = phone.unique(phone.now())
    instrument = view["instrument"]
    body = {
        "client_id": draft["client_id"],
        "prompt_id": fill.prompt_id,
        "instrument_id": instrument["id"],
        "instrument_version": str(instrument["version"]),
        "started_at": _at(draft["started_at"]),
        "submitted_at": _at(submitted),
        "answers": draft["answers"],
        "context": {},
    }
    fill.sent_at = submitted
    fill.items = len(draft["answers"])
    fill.declined = sum(1 for answer in draft["answers"] if answer["declined"])
    late = submitted > expires
    phone.record("response", "/responses", body, submitted, prompt_id=fill.prompt_id, late=late)
    phone.truth.answered.setdefault(fill.prompt_id, None)  # type: ignore[arg-type]
    del phone.questionnaire_drafts[fill.prompt_id]  # in the outbox before the draft goes
    await phone.flush()


async def on_answered(phone: Phone, record: Record) -> None:
    """The server's answer to a wave she sent: whether it reached a crisis threshold (the
    form showed crisis help already; nothing more for her phone to do)."""
    fill = phone.truth.waves.get(record.prompt_id or "")
    if fill is not None and record.answer:
        fill.crisis = bool(record.answer.get("crisis"))


def _answer(phone: Phone, item: dict[str, Any]) -> dict[str, Any]:
    if phone.rng.random() < phone.model.wave_decline_item_probability:
        return {"item_id": item["id"], "value": None, "declined": True}
    return {"item_id": item["id"], "value": _value(phone, item), "declined": False}


def _value(phone: Phone, item: dict[str, Any]) -> Any:
    """Around her level: a share of the item's range tied to her stress mean."""
    model, rng = phone.model, phone.rng
    if item["type"] == "yes_no":
        return rng.random() < 0.5
    if item["type"] == "rating":
        values = list(range(0, 11))
    else:
        values = sorted(option["value"] for option in item.get("options") or [])
    if not values or not all(type(v) is int for v in values):
        return rng.choice(values) if values else None
    threshold = item.get("crisis_threshold")
    if threshold is not None:
        if rng.random() < model.wave_crisis_item_probability:
            return min(v for v in values if v >= threshold)
        values = [v for v in values if v < threshold] or values
    share = rng.gauss(model.wave_item_share_per_stress * phone.stress_mean, model.wave_item_sd)
    target = values[0] + share * (values[-1] - values[0])
    return min(values, key=lambda v: abs(v - target))
