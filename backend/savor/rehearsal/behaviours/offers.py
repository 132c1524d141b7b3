"""Suggestions after a check-in (the breathing break a high rating offers, crisis help): she
takes one up or declines it, and her phone says which."""

from savor.rehearsal.phone import Phone
from savor.rehearsal.truth import Record


async def on_answered(phone: Phone, record: Record) -> None:
    for offer in (record.answer or {}).get("offers", []):
        taken = phone.rng.random() < phone.model.offer_accept_probability
        outcome = "accepted" if taken else "declined"
        answer = await phone.call("POST", f"/offers/{offer['id']}", {"outcome": outcome})
        if 200 <= answer.status_code < 300:
            phone.truth.offer_outcomes[offer["id"]] = outcome
