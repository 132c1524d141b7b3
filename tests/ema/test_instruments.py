"""The shipped check-in instruments, and the loader that keeps broken ones from reaching her."""

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from savor.ema.answers import items_for
from savor.ema.instruments import (
    INSTRUMENTS_DIR,
    InstrumentError,
    default_instruments,
    load_instruments,
)
from savor.ema.items import FEATURE_FLAGS
from savor.studies.protocol import Features

PROTOCOL_FILE = INSTRUMENTS_DIR.parent / "protocol.default.yaml"
SHIPPED_ITEMS = {
    "momentary": ["S1", "C1", "A1", "A2", "N1", "PN1", "B1", "B1p", "SV1", "SV1b"],
    "pre_practice": ["S1", "C1", "A1"],
    "post_practice": ["S1", "C1", "A1", "H1", "D1"],
    "post_practice_savoring": ["S1", "C1", "A1", "H1", "D1", "SV2"],
    "post_practice_craving": ["S1", "C1", "A1", "H1", "D1", "CTRL"],
    "hard_moment": ["C1", "CTRL", "S1", "TRG"],
    "end_of_day": ["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8"],
    "phq9": [f"phq9_{n}" for n in range(1, 11)],
    "gad7": [f"gad7_{n}" for n in range(1, 8)],
    "pss10": [f"pss10_{n}" for n in range(1, 11)],
    "pbq": [f"pbq_{n}" for n in range(1, 26)],
}


def rating(item_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "rating",
        "text": {"en": f"How is {item_id}?", "es": f"¿Cómo está {item_id}?"},
        "min_label": {"en": "Not at all", "es": "Nada"},
        "max_label": {"en": "Very much", "es": "Muchísimo"},
        **extra,
    }


def question(item_id: str, item_type: str, **extra: Any) -> dict[str, Any]:
    return {"id": item_id, "type": item_type, "text": {"en": "Well?", "es": "¿Bien?"}, **extra}


def write(folder: Path, data: dict[str, Any]) -> Path:
    path = folder / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def tiny(*items: dict[str, Any], instrument_id: str = "tiny") -> dict[str, Any]:
    return {
        "id": instrument_id,
        "version": 1,
        "title": {"en": "Tiny", "es": "Pequeño"},
        "items": list(items) or [rating("Q1")],
    }


def load_problems(folder: Path) -> list[str]:
    with pytest.raises(InstrumentError) as caught:
        load_instruments(folder)
    return caught.value.problems


def test_every_shipped_instrument_loads_with_its_items() -> None:
    loaded = {key: [i.id for i in inst.items] for key, inst in load_instruments().items()}

    assert loaded == SHIPPED_ITEMS


def test_every_instrument_the_default_protocol_names_is_shipped() -> None:
    protocol = yaml.safe_load(PROTOCOL_FILE.read_text("utf-8"))

    assert set(protocol["instruments"]) <= set(default_instruments())


def _localized(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [found for child in node for found in _localized(child)]
    if not isinstance(node, dict):
        return []
    own = [node] if {"en", "es"} & set(node) else []
    return own + [found for child in node.values() for found in _localized(child)]


@pytest.mark.parametrize("name", sorted(SHIPPED_ITEMS))
def test_every_user_facing_string_is_in_english_and_spanish(name: str) -> None:
    raw = yaml.safe_load((INSTRUMENTS_DIR / f"{name}.yaml").read_text("utf-8"))
    texts = _localized(raw)

    assert len(texts) >= 1 + len(raw["items"])  # the title and every item's text at least
    assert all(
        isinstance(t.get(lang), str) and t[lang].strip() for t in texts for lang in ("en", "es")
    )


def test_every_shipped_item_can_be_skipped() -> None:
    items = [item for inst in default_instruments().values() for item in inst.items]

    assert not any(item.required for item in items)


def test_medication_and_opioid_use_items_are_gated_and_sensitive() -> None:
    end_of_day = default_instruments()["end_of_day"]

    assert end_of_day.item("E7").feature == "medication_item"
    assert end_of_day.item("E8").feature == "sensitive_use_item"
    assert end_of_day.item("E7").sensitive and end_of_day.item("E8").sensitive


def test_every_gated_item_is_sensitive_and_its_feature_is_off_by_default() -> None:
    gated = [i for inst in default_instruments().values() for i in inst.items if i.feature]
    defaults = Features()

    assert {i.id for i in gated} == {"E7", "E8"}
    assert all(i.sensitive and getattr(defaults, i.feature or "") is False for i in gated)


def test_gated_items_are_asked_only_when_their_feature_is_on() -> None:
    end_of_day = default_instruments()["end_of_day"]

    off = items_for(end_of_day, features=set(), audience="postpartum")
    on = items_for(end_of_day, features={"medication_item"}, audience="postpartum")

    assert [i.id for i in off] == ["E1", "E2", "E3", "E4", "E5", "E6"]
    assert [i.id for i in on] == ["E1", "E2", "E3", "E4", "E5", "E6", "E7"]


@pytest.mark.parametrize(
    ("audience", "baby_items"),
    [("pregnant", ["B1p"]), ("postpartum", ["B1"]), ("other", []), (None, [])],
)
def test_baby_items_follow_her_stage(audience: str | None, baby_items: list[str]) -> None:
    asked = items_for(default_instruments()["momentary"], features=set(), audience=audience)

    assert [i.id for i in asked if i.id.startswith("B1")] == baby_items


def test_crisis_thresholds_sit_on_the_right_now_ratings() -> None:
    momentary = default_instruments()["momentary"]

    thresholds = {i.id: i.crisis_threshold for i in momentary.items if i.crisis_threshold}

    assert thresholds == {"S1": 9, "C1": 9, "N1": 9}


def test_fingerprint_is_stable_across_loads() -> None:
    first = {key: inst.fingerprint for key, inst in load_instruments().items()}
    second = {key: inst.fingerprint for key, inst in load_instruments().items()}

    assert first == second
    assert len(set(first.values())) == len(first)
    assert all(re.fullmatch(r"[0-9a-f]{12}", f) for f in first.values())


def test_fingerprint_changes_when_wording_changes_without_a_version_bump(tmp_path: Path) -> None:
    shutil.copy(INSTRUMENTS_DIR / "pre_practice.yaml", tmp_path)
    before = load_instruments(tmp_path)["pre_practice"]
    path = tmp_path / "pre_practice.yaml"
    path.write_text(path.read_text("utf-8").replace("ahora mismo", "en este momento"), "utf-8")

    after = load_instruments(tmp_path)["pre_practice"]

    assert after.version == before.version
    assert after.fingerprint != before.fingerprint


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (
            [{**rating("Q1"), "max_label": None}],
            "instrument tiny, item Q1: a rating item needs max_label",
        ),
        (
            [rating("Q1", text={"en": "How?"})],
            "instrument tiny, item Q1 text: needs text in English and Spanish; missing es",
        ),
        ([rating("Q1"), rating("Q1")], "instrument tiny: item Q1: the id is used twice"),
        (
            [rating("Q1", show_if={"item": "Q2", "equals": 3}), rating("Q2")],
            "instrument tiny: item Q1: show_if refers to Q2, not an earlier item",
        ),
        (
            [question("Q1", "yes_no"), rating("Q2", show_if={"item": "Q1", "equals": "yes"})],
            "instrument tiny: item Q2: show_if compares Q1 with 'yes', which can never be its "
            "answer (Q1 must be true or false)",
        ),
        (
            [rating("Q1", default=5)],
            "instrument tiny, item Q1 default: Extra inputs are not permitted",
        ),
        (
            [question("Q1", "single_choice")],
            "instrument tiny, item Q1: a single_choice item needs options",
        ),
        (
            [question("Q1", "yes_no", crisis_threshold=9)],
            "instrument tiny, item Q1: 'crisis_threshold' does not apply to a yes_no item",
        ),
        (
            [question("Q1", "text")],
            "instrument tiny, item Q1: free text is always sensitive: set sensitive: true",
        ),
        (
            [rating("Q1", feature="pain_item")],
            f"instrument tiny, item Q1: unknown feature 'pain_item'; the protocol has "
            f"{sorted(FEATURE_FLAGS)}",
        ),
        (
            [rating("Q1", show_if={"context": "slept_well", "equals": True})],
            "instrument tiny, item Q1 show_if: unknown context 'slept_well'; known: "
            "['practiced_today']",
        ),
    ],
)
def test_a_broken_instrument_is_refused_naming_instrument_and_item(
    tmp_path: Path, items: list[dict[str, Any]], expected: str
) -> None:
    write(tmp_path, tiny(*items))

    assert load_problems(tmp_path) == [expected]


def test_every_mistake_in_every_file_is_reported(tmp_path: Path) -> None:
    write(tmp_path, tiny(rating("Q1", crisis_threshold=11), rating("Q2", help="plain")))
    write(tmp_path, {**tiny(instrument_id="other"), "items": []})

    problems = load_problems(tmp_path)

    assert any(p.startswith("instrument tiny, item Q1 crisis_threshold:") for p in problems)
    assert any(p.startswith("instrument tiny, item Q2 help:") for p in problems)
    assert any(p.startswith("instrument other items:") for p in problems)


def test_invalid_yaml_is_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text("id: tiny\nitems: [\n", "utf-8")

    assert load_problems(tmp_path)[0].startswith("tiny.yaml: not valid YAML")


def test_a_file_must_be_named_after_its_instrument(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(tiny()), "utf-8")

    assert load_problems(tmp_path) == ["other.yaml: holds instrument tiny, expected other"]


def test_one_item_id_must_be_one_question_everywhere(tmp_path: Path) -> None:
    write(tmp_path, tiny(rating("Q1"), instrument_id="first"))
    write(
        tmp_path, tiny(rating("Q1", text={"en": "Other?", "es": "¿Otra?"}), instrument_id="second")
    )

    assert load_problems(tmp_path) == [
        "instrument second, item Q1: differs from Q1 in first; give a new question a new id"
    ]
