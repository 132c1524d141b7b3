"""Questionnaires as instruments: their source and scoring are checked before anyone sees them."""

from pathlib import Path
from typing import Any

import pytest

from savor.ema.answers import crisis_items, items_for
from savor.ema.instruments import InstrumentError, default_instruments, load_instruments
from tests.ema.test_instruments import question, write

QUESTIONNAIRES = ("phq9", "gad7", "pss10", "pbq")


def likert(item_id: str) -> dict[str, Any]:
    # Fresh options for every item: YAML would write a shared list as an anchor.
    options = [{"value": v, "label": {"en": f"en {v}", "es": f"es {v}"}} for v in range(4)]
    return question(item_id, "likert", options=options)


def questionnaire(**overrides: Any) -> dict[str, Any]:
    return {
        "id": "mood",
        "kind": "questionnaire",
        "version": 1,
        "title": {"en": "Mood", "es": "Ánimo"},
        "intro": {"en": "Who sees this.", "es": "Quién lo ve."},
        "source": {"name": "Mood-2", "licence": "Public domain", "citation": "Someone 2001"},
        "scoring": {
            "version": 1,
            "scales": [
                {
                    "id": "total",
                    "label": {"en": "Total", "es": "Total"},
                    "items": ["m1", "m2"],
                    "bands": [
                        {"code": "low", "min": 0, "max": 2, "label": {"en": "L", "es": "B"}},
                        {"code": "high", "min": 3, "max": 6, "label": {"en": "H", "es": "A"}},
                    ],
                }
            ],
        },
        "items": [likert("m1"), likert("m2")],
        **overrides,
    }


def problems(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    write(tmp_path, data)
    with pytest.raises(InstrumentError) as caught:
        load_instruments(tmp_path)
    return caught.value.problems


def test_a_well_formed_questionnaire_loads(tmp_path: Path) -> None:
    write(tmp_path, questionnaire())

    assert load_instruments(tmp_path)["mood"].kind == "questionnaire"


@pytest.mark.parametrize("name", QUESTIONNAIRES)
def test_every_shipped_questionnaire_names_its_source_licence_and_citation(name: str) -> None:
    instrument = default_instruments()[name]

    assert instrument.kind == "questionnaire"
    assert instrument.source and instrument.source.licence and instrument.source.citation
    assert instrument.intro and "code name" in instrument.intro.en


def test_restricted_instruments_are_not_shipped() -> None:
    assert not {"epds", "psi", "psi_sf"} & set(default_instruments())


def test_a_questionnaire_without_scoring_or_source_is_refused(tmp_path: Path) -> None:
    data = questionnaire()
    del data["scoring"], data["source"]

    assert problems(tmp_path, data) == ["instrument mood: a questionnaire needs source and scoring"]


def test_a_check_in_instrument_cannot_carry_scoring(tmp_path: Path) -> None:
    data = questionnaire()
    del data["kind"], data["intro"], data["source"]

    assert problems(tmp_path, data) == [
        "instrument mood: scoring only apply to an instrument of kind questionnaire"
    ]


def test_scoring_an_unknown_item_is_refused(tmp_path: Path) -> None:
    data = questionnaire()
    data["scoring"]["scales"][0]["items"] = ["m1", "m9"]

    assert problems(tmp_path, data) == [
        "instrument mood: scoring scale total: scores ['m9'], which are not items of this "
        "questionnaire"
    ]


def test_bands_with_a_gap_or_short_of_the_range_are_refused(tmp_path: Path) -> None:
    data = questionnaire()
    data["scoring"]["scales"][0]["bands"][1]["min"] = 4
    data["scoring"]["scales"][0]["bands"][1]["max"] = 5

    assert problems(tmp_path, data) == [
        "instrument mood: scoring scale total: bands must run from 0 to 6, the scale's range; "
        "scoring scale total: band high must start at 3, after low"
    ]


def test_reversing_an_item_the_scale_does_not_score_is_refused(tmp_path: Path) -> None:
    data = questionnaire(items=[likert("m1"), likert("m2"), likert("m3")])
    data["scoring"]["scales"][0]["reversed"] = ["m3"]

    assert "reverses ['m3'], which it does not score" in problems(tmp_path, data)[0]


def test_phq9_item_9_above_zero_is_a_crisis_answer() -> None:
    phq9 = default_instruments()["phq9"]

    assert crisis_items(phq9, [{"item_id": "phq9_9", "value": 1}]) == ["phq9_9"]
    assert crisis_items(phq9, [{"item_id": "phq9_9", "value": 0}]) == []
    assert crisis_items(phq9, [{"item_id": "phq9_9", "value": None, "declined": True}]) == []


def test_the_bonding_questionnaire_is_asked_only_of_postpartum_mothers() -> None:
    pbq = default_instruments()["pbq"]

    assert len(items_for(pbq, features=set(), audience="postpartum")) == 25
    assert items_for(pbq, features=set(), audience="pregnant") == []


def test_the_codebook_shows_each_questionnaire_item_with_its_source_and_scales() -> None:
    from savor.research.codebook import item_entry

    pss = default_instruments()["pss10"]
    entry = item_entry(pss, 3, pss.item("pss10_4"))

    assert entry["instrument_kind"] == "questionnaire"
    assert entry["licence"].startswith("Free for non-profit research")
    assert "Cohen S" in entry["citation"]
    assert entry["scored_in"] == "total (reversed)"
