"""Questionnaire scores, checked against published scoring examples for every shipped one.

Each instrument is scored at its minimum, its maximum, the edge of a severity band, with an
item missing (prorated) and with too many missing (no score), by the rules in its YAML.
"""

from typing import Any

import pytest

from savor.ema.instruments import default_instruments
from savor.ema.scoring import Scores, score


def answers(prefix: str, values: dict[int, int | None], declined: tuple[int, ...] = ()) -> list:
    given: list[dict[str, Any]] = [
        {"item_id": f"{prefix}_{n}", "value": v, "declined": False}
        for n, v in values.items()
        if v is not None
    ]
    return given + [{"item_id": f"{prefix}_{n}", "value": None, "declined": True} for n in declined]


def every(prefix: str, count: int, value: int) -> dict[int, int | None]:
    return dict.fromkeys(range(1, count + 1), value)


def scale(scores: Scores, scale_id: str) -> tuple[int | None, str | None, bool]:
    found = next(s for s in scores.scales if s.scale_id == scale_id)
    return found.score, found.band, found.prorated


def phq9(values: dict[int, int | None], declined: tuple[int, ...] = ()) -> Scores:
    return score(default_instruments()["phq9"], answers("phq9", values, declined))


def test_phq9_all_not_at_all_is_zero_and_minimal() -> None:
    assert scale(phq9(every("phq9", 9, 0)), "total") == (0, "minimal", False)


def test_phq9_all_nearly_every_day_is_27_and_severe() -> None:
    assert scale(phq9(every("phq9", 9, 3)), "total") == (27, "severe", False)


def test_phq9_band_edges_follow_kroenke_2001() -> None:
    # 9 is the top of mild, 10 the start of moderate (Kroenke, Spitzer & Williams 2001).
    nine = {**every("phq9", 9, 1)}
    ten = {**nine, 1: 2}

    assert scale(phq9(nine), "total") == (9, "mild", False)
    assert scale(phq9(ten), "total") == (10, "moderate", False)


def test_phq9_with_one_item_declined_is_prorated_over_nine() -> None:
    # Eight items answered 2 (sum 16): 16 x 9 / 8 = 18, moderately severe.
    scores = phq9({**every("phq9", 8, 2)}, declined=(9,))

    assert scale(scores, "total") == (18, "moderately_severe", True)
    assert (scores.total.answered, scores.total.declined, scores.total.missing) == (8, 1, 0)


def test_phq9_proration_rounds_half_up() -> None:
    # Eight items summing 13: 13 x 9 / 8 = 14.625, so 15.
    values: dict[int, int | None] = {**every("phq9", 5, 2), 6: 1, 7: 1, 8: 1}

    assert scale(phq9(values), "total") == (15, "moderately_severe", True)


def test_phq9_with_two_items_unanswered_has_no_score() -> None:
    scores = phq9(every("phq9", 7, 3), declined=(8,))

    assert scale(scores, "total") == (None, None, False)
    assert (scores.total.declined, scores.total.missing) == (1, 1)


def test_phq2_is_the_first_two_items_and_3_is_a_positive_screen() -> None:
    assert scale(phq9({1: 1, 2: 1, **{n: 3 for n in range(3, 10)}}), "phq2") == (
        2,
        "negative",
        False,
    )
    assert scale(phq9({1: 2, 2: 1}), "phq2") == (3, "positive", False)


def test_phq9_functional_item_is_not_scored() -> None:
    with_difficulty = answers("phq9", {**every("phq9", 9, 0), 10: 3})

    assert score(default_instruments()["phq9"], with_difficulty).total.score == 0


def test_scores_record_instrument_and_scoring_versions() -> None:
    scores = phq9(every("phq9", 9, 0))

    assert (scores.instrument_id, scores.instrument_version, scores.scoring_version) == (
        "phq9",
        "1",
        1,
    )


def gad7(values: dict[int, int | None], declined: tuple[int, ...] = ()) -> Scores:
    return score(default_instruments()["gad7"], answers("gad7", values, declined))


@pytest.mark.parametrize(
    ("values", "declined", "expected"),
    [
        (every("gad7", 7, 0), (), (0, "minimal", False)),
        (every("gad7", 7, 3), (), (21, "severe", False)),
        # Spitzer 2006: 10 is the cut-off, the start of moderate; 9 is still mild.
        ({**every("gad7", 7, 1), 1: 3}, (), (9, "mild", False)),
        ({**every("gad7", 7, 1), 1: 3, 2: 2}, (), (10, "moderate", False)),
        # Six items summing 12: 12 x 7 / 6 = 14, moderate.
        (every("gad7", 6, 2), (7,), (14, "moderate", True)),
        (every("gad7", 5, 3), (6, 7), (None, None, False)),
    ],
    ids=["minimum", "maximum", "below-edge", "band-edge", "prorated", "too-many-missing"],
)
def test_gad7_published_examples(values: dict, declined: tuple, expected: tuple) -> None:
    assert scale(gad7(values, declined), "total") == expected


def test_gad2_is_the_first_two_items() -> None:
    assert scale(gad7({1: 3, 2: 0}), "gad2") == (3, "positive", False)


def pss10(values: dict[int, int | None], declined: tuple[int, ...] = ()) -> Scores:
    return score(default_instruments()["pss10"], answers("pss10", values, declined))


POSITIVE_PSS = (4, 5, 7, 8)


@pytest.mark.parametrize(
    ("values", "declined", "expected"),
    [
        # Least stress: never on the six negative items, very often on the four positive ones.
        ({n: 4 if n in POSITIVE_PSS else 0 for n in range(1, 11)}, (), (0, "low", False)),
        ({n: 0 if n in POSITIVE_PSS else 4 for n in range(1, 11)}, (), (40, "high", False)),
        # "Sometimes" everywhere is 20 whichever way the item is worded.
        (every("pss10", 10, 2), (), (20, "moderate", False)),
        ({**every("pss10", 10, 2), 1: 0, 2: 0, 3: 0, 6: 1, 9: 1, 10: 1}, (), (11, "low", False)),
        ({**every("pss10", 10, 2), 1: 0, 2: 0, 3: 0, 6: 2, 9: 1, 10: 2}, (), (13, "low", False)),
        (
            {**every("pss10", 10, 2), 1: 0, 2: 1, 3: 0, 6: 2, 9: 1, 10: 2},
            (),
            (14, "moderate", False),
        ),
        # Nine answered "sometimes" (18): 18 x 10 / 9 = 20.
        (every("pss10", 9, 2), (10,), (20, "moderate", True)),
        (every("pss10", 8, 2), (9, 10), (None, None, False)),
    ],
    ids=[
        "minimum",
        "maximum",
        "midpoint",
        "low",
        "low-edge",
        "moderate-edge",
        "prorated",
        "too-many",
    ],
)
def test_pss10_reverses_items_4_5_7_8(values: dict, declined: tuple, expected: tuple) -> None:
    assert scale(pss10(values, declined), "total") == expected


def pbq(values: dict[int, int | None], declined: tuple[int, ...] = ()) -> Scores:
    return score(default_instruments()["pbq"], answers("pbq", values, declined))


POSITIVE_PBQ = (1, 4, 8, 9, 11, 16, 22, 25)  # "always" scores 0 (Brockington 2006)


def pbq_best() -> dict[int, int | None]:
    return {n: 5 if n in POSITIVE_PBQ else 0 for n in range(1, 26)}


def test_pbq_minimum_is_zero_on_every_scale() -> None:
    scores = pbq(pbq_best())

    assert [s.score for s in scores.scales] == [0, 0, 0, 0, 0]
    assert [s.band for s in scores.scales[1:]] == ["normal"] * 4


def test_pbq_maximum_is_125_and_every_factor_high() -> None:
    worst = {n: 0 if n in POSITIVE_PBQ else 5 for n in range(1, 26)}
    scores = pbq(worst)

    assert [s.score for s in scores.scales] == [125, 60, 35, 20, 10]
    assert [s.band for s in scores.scales[1:]] == ["high"] * 4


def test_pbq_factor_cut_offs_from_brockington_2006() -> None:
    # Factor 1 high from 12; factor 4 (items 18 and 24) high from 2.
    eleven = {**pbq_best(), 2: 5, 6: 5, 7: 1}
    twelve = {**eleven, 10: 1}

    assert scale(pbq(eleven), "impaired_bonding") == (11, "normal", False)
    assert scale(pbq(twelve), "impaired_bonding") == (12, "high", False)
    assert scale(pbq({**pbq_best(), 18: 1}), "risk_of_abuse") == (1, "normal", False)
    assert scale(pbq({**pbq_best(), 18: 1, 24: 1}), "risk_of_abuse") == (2, "high", False)


def test_pbq_reversed_item_always_counts_as_no_difficulty() -> None:
    # "I feel close to my baby": always (5) scores 0, never (0) scores 5.
    assert scale(pbq({**pbq_best(), 1: 0}), "impaired_bonding") == (5, "normal", False)


def test_pbq_prorates_the_total_with_two_missing_but_not_the_short_factors() -> None:
    values = {**pbq_best(), 2: 2, 3: 2, 5: 2}
    values[19] = None
    values[20] = None
    scores = pbq(values)

    # 6 over 23 answered items: 6 x 25 / 23 = 6.52, so 7.
    assert scale(scores, "total") == (7, None, True)
    assert scale(scores, "care_anxiety") == (None, None, False)


def test_pbq_total_with_three_unanswered_has_no_score() -> None:
    values = {n: v for n, v in pbq_best().items() if n not in (1, 2, 3)}

    assert scale(pbq(values, declined=(3,)), "total") == (None, None, False)
