"""Leaving the study: a few mothers withdraw on a day of the run. What her outbox still held
is sent afterwards and refused (403), so it must never reach an export."""

from datetime import date, datetime, timedelta

from savor.rehearsal.phone import Phone


async def on_day(phone: Phone, today: date) -> None:
    if phone.rng.random() >= phone.model.withdraw_probability / phone.days:
        return

    async def leave() -> None:
        if not phone.active or not phone.online:
            return
        left = await phone.call("POST", "/me/withdraw")
        if left.status_code == 200:
            phone.truth.withdrawn_at = datetime.fromisoformat(left.json()["withdrawn_at"])
            await phone.flush()

    phone.later(timedelta(hours=phone.rng.uniform(8, 20)), leave)
