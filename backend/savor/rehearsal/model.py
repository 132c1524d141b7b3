"""The behaviour model of the synthetic participants: documented parameters with defaults,
overridable by a YAML or JSON file, so researchers can try their analysis on data whose true
answers they know (the stress → craving slope, the practice effect)."""

import json
import math
import random
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Model:
    # Answering a pushed check-in: a base probability, shaped by the hour of her day (a weight
    # per local hour, 0-23, missing hours 1.0) and falling by a factor per study week.
    answer_probability: float = 0.8
    answer_hour_weights: dict[int, float] = field(
        default_factory=lambda: {6: 0.6, 7: 0.7, 8: 0.85, 20: 0.9, 21: 0.8, 22: 0.7, 23: 0.6}
    )
    answer_weekly_decay: float = 0.96
    # Minutes from the push to opening it: log-normal with this median and spread.
    answer_delay_median_minutes: float = 6.0
    answer_delay_sigma: float = 0.9
    # Seconds she takes to fill a check-in once open.
    answer_seconds: tuple[int, int] = (40, 180)
    # Offline spells: chance per day, and their length in hours (uniform).
    offline_per_day: float = 0.25
    offline_hours: tuple[float, float] = (1.0, 10.0)
    # A sent record whose answer never reaches the phone (dropped connection): kept in the
    # outbox and sent again later, as the PWA does. And a record sent twice on purpose.
    lost_answer_probability: float = 0.02
    replay_probability: float = 0.02
    # A suggestion after a check-in (a breathing break): the chance she takes it up.
    offer_accept_probability: float = 0.4
    # Practice: chance she practises on a day (falling per week), her usual local hour.
    practice_per_day: float = 0.55
    practice_weekly_decay: float = 0.97
    practice_hour_range: tuple[int, int] = (9, 20)
    practice_stop_early: float = 0.15  # she stops a 10-minute practice before its end
    # The true data-generating model, ratings 0-10: stress varies around her own mean; craving
    # = her intercept + slope * stress - practice effect on a day she practised + noise.
    stress_mean_range: tuple[float, float] = (2.5, 6.5)
    stress_sd: float = 1.8
    craving_intercept_range: tuple[float, float] = (0.5, 3.0)
    stress_craving_slope: float = 0.5
    practice_craving_effect: float = 1.0
    rating_noise_sd: float = 1.0
    # A practice lowers her stress and craving from before to after by about this much.
    practice_pre_post_drop: float = 1.5
    # Questionnaire waves (behaviours/questionnaires.py): the chance she fills a wave when its
    # push reaches her (a reminder that finds her not begun asks again, half as often); hours
    # from the push to her first sitting (log-normal; past the wave's close she has missed it);
    # the chance she stops after a page or more and finishes in a second sitting, this many
    # hours later (log-normal); and the chance she declines ("prefer not to answer") an item.
    wave_fill_probability: float = 0.85
    wave_delay_median_hours: float = 20.0
    wave_delay_sigma: float = 1.0
    wave_two_sittings_probability: float = 0.3
    wave_second_sitting_median_hours: float = 5.0
    wave_second_sitting_sigma: float = 0.8
    wave_decline_item_probability: float = 0.03
    # Her questionnaire answers: each item around a share of its range, tied to her own stress
    # mean (share = slope x stress mean, SD `wave_item_sd` of the range), so scores vary between
    # women (PHQ-9 totals about 4-11). An item with a crisis threshold (PHQ-9 item 9) reaches
    # it only with this chance.
    wave_item_share_per_stress: float = 0.06
    wave_item_sd: float = 0.2
    wave_crisis_item_probability: float = 0.02
    # Her day: wake and sleep times are drawn from these hours (half hours).
    wake_hours: tuple[float, float] = (6.0, 9.0)
    sleep_hours: tuple[float, float] = (21.0, 23.5)
    # Zones she lives in (drawn per phone) and may travel to; travel and withdrawal chances
    # over the whole run.
    zones: tuple[str, ...] = (
        "America/Chicago",
        "America/New_York",
        "America/Denver",
        "America/Los_Angeles",
        "America/Phoenix",
        "America/Puerto_Rico",
    )
    travel_probability: float = 0.15
    travel_days: tuple[int, int] = (2, 6)
    withdraw_probability: float = 0.08
    # Enrollment is spread over the first days of the run.
    enroll_days: int = 3
    spanish_share: float = 0.3
    # A micro-randomized trial's offer notifications (probes, practice reminders; protocols
    # with a `decisions` block): she taps one before it closes (after a delay drawn as for a
    # check-in) and then takes it up with offer_accept_probability, or swipes it away, or
    # lets it close. A phone offline at that moment lets it close.
    offer_tap_probability: float = 0.6
    offer_dismiss_probability: float = 0.25
    # With a practice_reminder rule the app offers her a daily reminder time: the share who
    # set one, and the local hours it is drawn from (half hours).
    practice_reminder_share: float = 0.6
    practice_reminder_hours: tuple[float, float] = (18.0, 21.5)
    # Re-consent: at the start of this study week (of the run) the study publishes a new
    # consent version (0 or null: never); each active phone agrees with this probability at
    # her next visit online (opening a check-in, an offer or a practice). One who does not
    # agree sees only the consent there (Help and Settings stay open), as the app shows it.
    reconsent_week: int | None = 3
    reconsent_probability: float = 0.9

    def answers(self, local_hour: int, week: int) -> float:
        weight = self.answer_hour_weights.get(local_hour, 1.0)
        return min(1.0, self.answer_probability * weight * self.answer_weekly_decay ** (week - 1))

    def delay_minutes(self, rng: random.Random) -> float:
        return rng.lognormvariate(
            math.log(self.answer_delay_median_minutes), self.answer_delay_sigma
        )

    def practises(self, week: int) -> float:
        return min(1.0, self.practice_per_day * self.practice_weekly_decay ** (week - 1))

    def wave_delay_hours(self, rng: random.Random) -> float:
        return rng.lognormvariate(math.log(self.wave_delay_median_hours), self.wave_delay_sigma)

    def second_sitting_hours(self, rng: random.Random) -> float:
        return rng.lognormvariate(
            math.log(self.wave_second_sitting_median_hours), self.wave_second_sitting_sigma
        )

    def document(self) -> dict[str, Any]:
        return asdict(self)


def rating(value: float) -> int:
    return max(0, min(10, round(value)))


def load_model(path: Path | None) -> Model:
    """The default model, with the parameters a YAML/JSON file names replaced.

    An unknown name is an error naming it, so a typo never silently keeps a default.
    """
    if path is None:
        return Model()
    text = path.read_text("utf-8")
    given = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(given, dict):
        raise ValueError(f"{path}: expected a mapping of parameter names to values")
    known = {f.name: f for f in fields(Model)}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ValueError(f"{path}: unknown model parameter(s) {', '.join(unknown)}")
    default = Model()
    changes: dict[str, Any] = {}
    for name, value in given.items():
        current = getattr(default, name)
        if isinstance(current, tuple):
            value = tuple(value)
        elif isinstance(current, dict):
            value = {int(k): float(v) for k, v in value.items()}
        changes[name] = value
    return replace(default, **changes)
