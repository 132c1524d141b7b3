"""A small micro-randomized trial through the real service recovers its known effect and
probabilities from the decisions dataset (benchmarks/mrt.py runs the full-size one)."""

from datetime import time
from pathlib import Path

import pytest

pytest.importorskip("statsmodels")  # the analysis extra

from benchmarks import mrt


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], mrt.Trial]:
    return mrt.simulate(Path(tmp_path_factory.mktemp("mrt")), participants=16, days=7, seed=11)


def test_every_decision_point_is_a_row_and_most_are_randomized(simulated):
    rows, trial = simulated
    assert len(rows) > 100
    available = [r for r in rows if r["available"]]
    assert len(available) > len(rows) / 2
    assert all(r["option"] for r in available)
    # Followed up unless she sleeps through the whole window (her hours: 07:00 to 22:00).
    asleep = [r for r in available if _in_her_sleep(r)]
    assert all(bool(r["follow_up_prompt_ref"]) != (r in asleep) for r in available)
    assert all(r["option"] is None for r in rows if not r["available"])
    assert trial.follow_ups_answered == sum(r["outcome_source"] == "follow_up" for r in rows)


def _in_her_sleep(row: dict) -> bool:
    start = time.fromisoformat(row["window_start_local_wall"][11:])
    end = time.fromisoformat(row["window_end_local_wall"][11:])
    night = (time(22), time(7))
    return (start >= night[0] or start < night[1]) and (end >= night[0] or end <= night[1])


def test_the_weighted_centered_estimate_recovers_the_true_effect(simulated):
    rows, _ = simulated
    estimate = mrt.wcls(rows)
    # Four standard errors: a fair estimator misses by that much once in 15,000 runs.
    assert abs(estimate.effect - mrt.TRUE_EFFECT) < 4 * estimate.se
    assert estimate.se < 0.6


def test_the_drawn_options_have_the_declared_probabilities(simulated):
    rows, _ = simulated
    for stratum in mrt.recovered_probabilities(rows):
        assert stratum["chi_square_p"] > 0.0001, stratum
