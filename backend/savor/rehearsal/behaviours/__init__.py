"""What a synthetic mother does, one behaviour per module.

A behaviour is any object with some of these coroutines, called by her phone:
`on_day(phone, local_date)` at her local midnight (and on her first day),
`on_push(phone, push)` for each notification that reaches her phone, and
`on_answered(phone, record)` when a record of hers first got a 2xx (with the server's
answer). `everyday()` lists the behaviours every phone has; a new feature (questionnaire
waves, consent, micro-randomized offers) adds its module here.
"""

from typing import Any

from savor.rehearsal.behaviours import (
    checkins,
    offers,
    offline,
    practice,
    questionnaires,
    travel,
    trial_offers,
    withdrawal,
)


def everyday() -> list[Any]:
    return [checkins, offers, trial_offers, practice, offline, travel, withdrawal, questionnaires]
