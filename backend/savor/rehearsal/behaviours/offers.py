"""Suggestions after a check-in (the breathing break a high rating offers, crisis help, a
micro-randomized trial's draw): she takes one up or declines it, and her phone says which;
one she takes up that names a practice, she then does (behaviours/practice.py).
Only the offers of a check-in sent as she finished it reach her: one sent later from the
outbox (she answered offline) showed the app's own fixed offer, which has no id to answer."""

from datetime import timedelta

from savor.rehearsal.behaviours import practice
from savor.rehearsal.phone import Phone
from savor.rehearsal.truth import Record

SEEN_WITHIN = timedelta(minutes=1)  # the reply came while she still looked at the check-in


async def on_answered(phone: Phone, record: Record) -> None:
    if phone.now() - record.moment > SEEN_WITHIN:
        return
    for offer in (record.answer or {}).get("offers", []):
        taken = phone.rng.random() < phone.model.offer_accept_probability
        outcome = "accepted" if taken else "declined"
        answer = await phone.call("POST", f"/offers/{offer['id']}", {"outcome": outcome})
        if 200 <= answer.status_code < 300:
            phone.truth.offer_outcomes[offer["id"]] = outcome
        if taken and offer.get("practice_id"):
            await practice.from_offer(phone, offer["practice_id"], offer["rule"])
