"""Her true stress and craving at a moment: the data-generating model researchers can check
their analysis against (slope of craving on stress, the effect of practising that day)."""

from datetime import datetime

from savor.rehearsal.model import rating
from savor.rehearsal.phone import Phone


def stress(phone: Phone) -> float:
    return phone.rng.gauss(phone.stress_mean, phone.model.stress_sd)


def craving(phone: Phone, stress_now: float, moment: datetime) -> float:
    model = phone.model
    practised = phone.local(moment).date() in phone.truth.practised_dates
    value = phone.craving_intercept + model.stress_craving_slope * stress_now
    value -= model.practice_craving_effect if practised else 0.0
    return value + phone.rng.gauss(0, model.rating_noise_sd)


def now_ratings(phone: Phone, moment: datetime) -> tuple[int, int, float, float]:
    """(stress, craving) as she would rate them, and the unrounded values."""
    s = stress(phone)
    c = craving(phone, s, moment)
    return rating(s), rating(c), s, c
