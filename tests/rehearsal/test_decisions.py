"""`savor rehearse` of a micro-randomized trial: phones take part in its offers as the app
does, the `decisions` export is checked against the protocol and the phones, and a broken
export is caught (the invariant fed a crafted world, no run)."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from savor.rehearsal.invariants_trial import decisions_match
from savor.rehearsal.model import Model
from savor.rehearsal.phone import Phone
from savor.rehearsal.run import Options, rehearse_blocking
from savor.rehearsal.world import World
from savor.studies.protocol import parse_protocol
from tests.rehearsal.crafted import crafted_phone, crafted_world

MRT = Path(__file__).resolve().parents[2] / "examples/protocol.mrt.yaml"
TRIAL = parse_protocol(MRT.read_text("utf-8")).decisions
ENROLLED = datetime(2027, 3, 8, 15, 0, tzinfo=UTC)
DECIDED = ENROLLED + timedelta(hours=2)
EXPIRES = DECIDED + timedelta(minutes=45)


def test_a_small_trial_on_the_mrt_protocol_holds_every_invariant(tmp_path: Path) -> None:
    options = Options(
        protocol=MRT,
        participants=8,
        weeks=1,
        out=tmp_path / "out",
        seed=3,
        model=Model(offline_per_day=0.4, reconsent_week=None),
    )
    outcome = rehearse_blocking(options)

    report = json.loads((tmp_path / "out/report.json").read_text())
    assert outcome.ok, outcome.problems
    assert report["invariants"]["decisions_match"]["holds"]
    by_rule = {row["rule"]: row for row in report["decisions"]}
    assert set(by_rule) == {"high_rating", "day_probe", "evening"}
    assert all(row["points"] > 0 and row["offered"] > 0 for row in by_rule.values())
    assert sum(row["outcomes"].get("accepted", 0) for row in by_rule.values()) > 0
    assert sum(row["outcomes"].get("declined", 0) for row in by_rule.values()) > 0


# -- the invariant, fed a crafted world -------------------------------------------------------
def decision(ref: str, **changed: Any) -> dict[str, Any]:
    row = {
        "pseudonym": "P-1",
        "decision_ref": ref,
        "rule": "day_probe",
        "point_kind": "probe",
        "decided_at_utc": DECIDED.isoformat(),
        "stratum": None,
        "available": True,
        "p_offer": 0.5,
        "p_breathing": 0.3,
        "p_savoring": 0.2,
        "p_none": 0.5,
        "draw": 0.12,
        "option": "breathing",
        "offered": True,
        "offer_ref": "Q-offer",
        "offer_outcome": "accepted",
    }
    return row | changed


def phone_that_took_it_up() -> Phone:
    phone = crafted_phone(ENROLLED)
    phone.truth.offer_notices["prompt-1"] = EXPIRES
    phone.truth.notice_outcomes["prompt-1"] = "accepted"
    return phone


def world(decisions: list[dict[str, Any]]) -> World:
    notice = {
        "pseudonym": "P-1",
        "prompt_ref": "Q-offer",
        "prompt_kind": "offer",
        "expires_at_utc": EXPIRES.isoformat(),
    }
    return crafted_world(
        phone_that_took_it_up(),
        ENROLLED + timedelta(days=7),
        {
            "prompts": {("Q-offer",): notice},
            "responses": {},
            "offers": {},
            "decisions": {(row["decision_ref"],): row for row in decisions},
        },
        trial=TRIAL,
    )


def problems_of(decisions: list[dict[str, Any]]) -> list[str]:
    return [problem["problem"] for problem in decisions_match(world(decisions))]


def test_the_crafted_world_itself_holds() -> None:
    assert problems_of([decision("D-1")]) == []


def test_a_decision_point_exported_twice_is_caught() -> None:
    found = problems_of([decision("D-1"), decision("D-2", offer_ref="Q-other")])

    assert "one decision point decided more than once" in found


def test_an_offer_she_took_up_exported_as_unanswered_is_caught() -> None:
    found = problems_of([decision("D-1", offer_outcome="expired")])

    assert found == ["the offer's outcome differs from what her phone sent"]


def test_an_offer_her_phone_got_without_a_decision_is_caught() -> None:
    found = problems_of([decision("D-1", offer_ref=None, offer_outcome=None)])

    assert found == ["an offer her phone got is not one decision that offered it"]


def test_a_probability_other_than_the_rules_is_caught() -> None:
    found = problems_of([decision("D-1", p_breathing=0.4, p_offer=0.6)])

    assert found == ["randomization probabilities differ from the rule's"]


def test_a_decision_after_she_withdrew_is_caught() -> None:
    crafted = world([decision("D-1")])
    crafted.phones[0].truth.withdrawn_at = DECIDED - timedelta(minutes=1)

    found = [problem["problem"] for problem in decisions_match(crafted)]

    assert found == ["a decision point after she withdrew"]
