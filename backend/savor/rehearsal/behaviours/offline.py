"""Offline spells: on some days her phone loses its connection for hours; pushes wait at the
push service (within their TTL), records wait in the outbox, and both arrive in a burst when
she is back."""

from datetime import date, datetime, timedelta

from savor.clock import time_zone
from savor.rehearsal.phone import Phone


async def on_day(phone: Phone, today: date) -> None:
    model = phone.model
    if phone.rng.random() >= model.offline_per_day:
        return
    local = datetime.combine(today, datetime.min.time(), tzinfo=time_zone(phone.zone))
    start = (local + timedelta(hours=phone.rng.uniform(0, 24))).astimezone(phone.now().tzinfo)
    length = timedelta(hours=phone.rng.uniform(*model.offline_hours))
    if start <= phone.now():
        return

    async def go_offline() -> None:
        until = phone.now() + length
        if phone.offline_until is None or phone.offline_until < until:
            phone.offline_until = until
        phone.calendar.at(until, phone, _back_online(phone))

    phone.calendar.at(start, phone, go_offline)


def _back_online(phone: Phone):
    async def back() -> None:
        if phone.online:  # a longer spell may have begun meanwhile
            await phone.calendar.reconnect(phone)

    return back
