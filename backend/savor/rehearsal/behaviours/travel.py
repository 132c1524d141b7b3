"""Travel: some mothers spend a few days in another time zone; the app sends her new zone,
and sends her home zone again when she is back."""

from datetime import date, timedelta

from savor.rehearsal.phone import Phone


async def on_day(phone: Phone, today: date) -> None:
    if phone.travelling or phone.rng.random() >= phone.model.travel_probability / phone.days:
        return
    home = phone.zone
    away = phone.rng.choice([zone for zone in phone.model.zones if zone != home])
    phone.travelling = True
    moment = phone.now() + timedelta(hours=phone.rng.uniform(8, 14))

    async def leave() -> None:
        await move(phone, away)
        stay = timedelta(days=phone.rng.randint(*phone.model.travel_days))

        async def come_home() -> None:
            await move(phone, home)

        phone.later(stay, come_home)

    phone.calendar.at(moment, phone, leave)


async def move(phone: Phone, zone: str) -> None:
    """She is in another zone: her phone tells the server at its next start online."""
    if not phone.active or not phone.online:
        return  # an offline phone keeps her old zone until a later change
    changed = await phone.call("PATCH", "/me", {"timezone": zone})
    if changed.status_code == 200:
        phone.zone = zone
        phone.truth.zones.append((phone.now(), zone))
