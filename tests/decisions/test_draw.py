"""The seeded draw: reproducible, and the declared probabilities in the long run."""

import uuid

from savor.ema.decisions import availability, draw
from savor.ema.decisions.availability import Facts
from savor.studies.decision_rules import Availability

# The chi-square critical value for 2 degrees of freedom at the 1% level.
CHI2_2DF_99 = 9.2103

SECRET = "a fixed study secret for the test"
HER = uuid.UUID("6f1c2a8e-52a4-4f8e-9d0c-3b1e6a0f7c21")
ODDS = {"breathing": 0.3, "savoring": 0.2, "none": 0.5}


def test_the_same_point_draws_the_same_number():
    first = draw.uniform(study_secret=SECRET, participant_id=HER, point="checkin:x")
    assert first == draw.uniform(study_secret=SECRET, participant_id=HER, point="checkin:x")
    assert 0 <= first < 1


def test_another_point_secret_or_participant_draws_another_number():
    base = draw.uniform(study_secret=SECRET, participant_id=HER, point="checkin:x")
    others = {
        draw.uniform(study_secret=SECRET, participant_id=HER, point="checkin:y"),
        draw.uniform(study_secret="another study", participant_id=HER, point="checkin:x"),
        draw.uniform(study_secret=SECRET, participant_id=uuid.uuid4(), point="checkin:x"),
    }
    assert base not in others and len(others) == 3


def test_ten_thousand_draws_have_the_declared_probabilities():
    counts = dict.fromkeys(ODDS, 0)
    for n in range(10_000):
        u = draw.uniform(study_secret=SECRET, participant_id=HER, point=f"checkin:{n}")
        counts[draw.choose(ODDS, u)] += 1
    observed = [counts[o] for o in ODDS]
    expected = [10_000 * p for p in ODDS.values()]
    statistic = sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True))
    assert statistic < CHI2_2DF_99, counts


def test_the_options_split_the_unit_interval_in_declared_order():
    assert [draw.choose(ODDS, u) for u in (0.0, 0.29, 0.3, 0.49, 0.5, 0.999)] == [
        "breathing",
        "breathing",
        "savoring",
        "savoring",
        "none",
        "none",
    ]


def test_an_option_with_no_chance_is_never_drawn():
    odds = {"breathing": 0.5, "savoring": 0.0, "none": 0.5}
    assert {draw.choose(odds, u / 1000) for u in range(1000)} == {"breathing", "none"}


RULES = Availability(min_minutes_between_offers=60, max_offers_per_day=3, crisis_minutes=120)


def test_availability_checks_every_condition_and_a_crisis_first():
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 12, 7, 15, tzinfo=UTC)
    every = Facts(
        withdrawn=True,
        crisis_now=True,
        late=True,
        last_crisis_at=now - timedelta(minutes=5),
        practising=True,
        offers=[now - timedelta(minutes=5)],
        offers_today=3,
    )
    order = ["withdrawn", "crisis", "crisis_screen", "late", "practising", "recent_offer"]
    order.append("daily_limit")
    fields = ["withdrawn", "crisis_now", "last_crisis_at", "late", "practising", "offers"]
    fields.append("offers_today")
    facts = every
    for reason, name in zip(order, fields, strict=True):
        assert availability.why_unavailable(facts, RULES, now) == reason
        facts = Facts(**{**facts.__dict__, name: Facts().__dict__[name]})
    assert availability.why_unavailable(facts, RULES, now) is None


def test_conditions_end_when_their_time_is_over():
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 12, 7, 15, tzinfo=UTC)
    old = Facts(last_crisis_at=now - timedelta(minutes=121), offers=[now - timedelta(minutes=61)])
    assert availability.why_unavailable(old, RULES, now) is None
