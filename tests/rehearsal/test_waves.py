"""Questionnaire waves in a rehearsal: phones fill them as the PWA does (a draft, sometimes
two sittings, one send), and the `scores` export is checked against their own answers."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from savor.rehearsal.declared_scoring import declared, expected_scores
from savor.rehearsal.invariants import each_prompt_once
from savor.rehearsal.invariants_scores import scores_match
from savor.rehearsal.model import Model
from savor.rehearsal.pushbox import Push
from savor.rehearsal.run import Options, rehearse_blocking
from savor.rehearsal.truth import Record
from savor.rehearsal.world import World
from tests.rehearsal.crafted import crafted_phone, crafted_world

DEFAULT = Path(__file__).resolve().parents[2] / "backend/savor/content/protocol.default.yaml"
# Waves common enough in two weeks: two sittings, offline spells and declined items often.
# Offline most days for hours, so that some sitting falls offline in every run: the service's
# random prompt times (and so what the phones do) differ from run to run whatever the seed.
WAVY = Model(
    offline_per_day=0.8,
    offline_hours=(4.0, 12.0),
    wave_two_sittings_probability=0.5,
    wave_decline_item_probability=0.05,
    withdraw_probability=0.1,
)


def protocol_with_waves(directory: Path) -> Path:
    """The default protocol asking PHQ-9 at baseline and a week later."""
    text = DEFAULT.read_text("utf-8")
    asked = "instruments: [momentary, end_of_day, pre_practice, post_practice, hard_moment"
    assert asked + "]" in text
    text = text.replace(asked + "]", asked + ", phq9]")
    text += (
        "\nwaves:\n"
        "  - {id: baseline, instrument: phq9, day: 0, open_days: 7, reminder_days: [2, 5]}\n"
        "  - {id: week1, instrument: phq9, day: 7, open_days: 5, reminder_days: [2, 4]}\n"
    )
    path = directory / "protocol.yaml"
    path.write_text(text, "utf-8")
    return path


def test_phones_fill_waves_and_every_score_matches_their_answers(tmp_path: Path) -> None:
    options = Options(
        protocol=protocol_with_waves(tmp_path),
        participants=10,
        weeks=2,
        out=tmp_path / "out",
        seed=11,
        model=WAVY,
    )

    outcome = rehearse_blocking(options)

    assert outcome.ok, {name: found[:3] for name, found in outcome.problems.items() if found}
    exported = (tmp_path / "out/exports/scores.ndjson").read_text().splitlines()
    scores = [json.loads(line) for line in exported]
    totals = [row["score"] for row in scores if row["scale"] == "total"]
    assert len(totals) > 0 and len(scores) == 2 * len(totals)  # total and phq2 each
    assert len(set(totals)) > 3  # her level follows her own stress mean: women differ
    waves = {w["wave"]: w for w in outcome.report["questionnaire_burden_per_wave"]}
    assert set(waves) == {"baseline", "week1"}
    assert sum(w["two_sittings"] for w in waves.values()) > 0
    assert sum(w["one_sitting"] for w in waves.values()) > 0
    assert sum(w["a_sitting_offline"] for w in waves.values()) > 0
    baseline = waves["baseline"]
    assert baseline["one_sitting"] + baseline["two_sittings"] <= baseline["completed"]
    assert 0.1 < baseline["median_days_push_to_sent"] < 7
    # Some items declined, as the model's 5 % makes likely over both waves (one wave of a few
    # women may by chance have none), and never many.
    shares = [w["declined_item_share"] for w in waves.values()]
    assert max(shares) > 0 and all(share < 0.2 for share in shares)


# -- the invariant on a crafted world -----------------------------------------------------


ENROLLED = datetime(2027, 3, 8, 15, 0, 0, 123000, tzinfo=UTC)
SUBMITTED = ENROLLED + timedelta(days=1, hours=3)


def phq9_answers(values: list[int | None]) -> list[dict[str, Any]]:
    """Items 1-9 (None: declined) and item 10, which no scale counts."""
    answers = [
        {"item_id": f"phq9_{n}", "value": v, "declined": v is None}
        for n, v in enumerate(values, start=1)
    ]
    return [*answers, {"item_id": "phq9_10", "value": 1, "declined": False}]


def score_row(scale: str, score: int | None, answered: int, declined: int, prorated: bool):
    return {
        "pseudonym": "P-1",
        "response_ref": "R-1",
        "instrument_id": "phq9",
        "scale": scale,
        "score": score,
        "items_answered": answered,
        "items_declined": declined,
        "items_missing": 0,
        "prorated": prorated,
        "submitted_at_utc": SUBMITTED.isoformat().replace("+00:00", "Z"),
    }


def world(answers: list[dict[str, Any]], scores: list[dict[str, Any]]) -> World:
    phone = crafted_phone(ENROLLED, zone="America/Chicago")
    body = {"instrument_id": "phq9", "instrument_version": "1", "answers": answers}
    record = Record("response", "c-1", SUBMITTED, body, prompt_id="p-1", status=201)
    phone.truth.acked[record.client_id] = record
    return crafted_world(
        phone,
        ENROLLED + timedelta(weeks=2),
        {"scores": {(row["response_ref"], row["scale"]): row for row in scores}},
    )


# Items 1-9: 2, 1, 3, 0, declined, 1, 2, 0, 0: 8 answered summing 9, prorated 9 * 9 / 8 = 10.
ONE_DECLINED = phq9_answers([2, 1, 3, 0, None, 1, 2, 0, 0])
RIGHT = [score_row("total", 10, 8, 1, True), score_row("phq2", 3, 2, 0, False)]


def test_scores_as_her_answers_give_them_hold() -> None:
    assert scores_match(world(ONE_DECLINED, RIGHT)) == []


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        ([RIGHT[1]], "0 score rows for the scale, not one"),
        ([score_row("total", 9, 8, 1, True), RIGHT[1]], "differs from her own answers"),
        ([score_row("total", 10, 8, 1, False), RIGHT[1]], "differs from her own answers"),
        ([score_row("total", 10, 9, 0, True), RIGHT[1]], "differs from her own answers"),
    ],
    ids=["a scale dropped", "total changed", "proration lost", "declined counted answered"],
)
def test_a_score_unlike_her_answers_is_caught(broken: list[dict[str, Any]], problem: str) -> None:
    found = scores_match(world(ONE_DECLINED, broken))

    assert [p["scale"] for p in found] == ["total"]
    assert problem in found[0]["problem"]


def test_a_score_with_no_questionnaire_sent_is_caught() -> None:
    stray = score_row("total", 4, 9, 0, False) | {
        "response_ref": "R-2",
        "submitted_at_utc": "2027-03-12T10:00:00Z",
    }

    found = scores_match(world(ONE_DECLINED, [*RIGHT, stray]))

    assert [p["problem"] for p in found] == ["a score with no questionnaire a phone got a 2xx for"]


def test_declared_rules_prorate_within_max_missing_and_reverse_items() -> None:
    phq9 = declared("phq9")
    assert phq9 is not None
    two_declined = expected_scores(phq9, phq9_answers([3, 3, 3, 3, None, None, 3, 3, 3]))
    assert (two_declined[0].score, two_declined[0].declined) == (None, 2)  # max_missing 1
    assert expected_scores(phq9, phq9_answers([3] * 8 + [None]))[0].score == 27
    pbq = declared("pbq")
    assert pbq is not None
    # "Always" (5) to every item: the 8 positive items reversed count 0, the 17 others 5.
    always = [{"item_id": f"pbq_{n}", "value": 5, "declined": False} for n in range(1, 26)]
    assert {s.scale: s.score for s in expected_scores(pbq, always)}["total"] == 85
    assert declared("momentary") is None  # a check-in: nothing to score


def reminded(world_: World, prompt_id: str, *moments: datetime, open_days: int) -> None:
    for moment in moments:
        expires = ENROLLED + timedelta(days=open_days)
        payload = {"type": "reminder", "prompt_id": prompt_id, "expires_at": expires.isoformat()}
        world_.pushbox.log.append(Push("https://push.example/1", payload, moment))
        world_.pushbox.sent[("https://push.example/1", prompt_id, "reminder")] += 1


def test_a_waves_reminders_days_apart_are_not_a_prompt_pushed_twice() -> None:
    found = world(ONE_DECLINED, RIGHT)
    day2, day5 = ENROLLED + timedelta(days=2), ENROLLED + timedelta(days=5)
    reminded(found, "wave", day2, day5, open_days=7)

    assert each_prompt_once(found) == []


def test_a_reminder_sent_twice_in_a_day_is_caught_wave_or_check_in() -> None:
    found = world(ONE_DECLINED, RIGHT)
    day2 = ENROLLED + timedelta(days=2)
    reminded(found, "wave", day2, day2 + timedelta(seconds=30), open_days=7)
    reminded(found, "checkin", day2, day2 + timedelta(minutes=20), open_days=0)

    problems = each_prompt_once(found)

    assert sorted((p["prompt_id"], p["wave"]) for p in problems) == [
        ("checkin", False),
        ("wave", True),
    ]
