"""`savor instrument import`: a REDCap data dictionary, written by REDCap's conventions, as a
Savor instrument that loads, and a plain list of what could not be carried over."""

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from savor.cli import app
from savor.ema.instruments import parse_instrument
from savor.ema.redcap_import import DictionaryError, import_dictionary
from savor.research import redcap
from savor.research.codebook import Codebook
from tests.ema.redcap_fixture import DICTIONARY


@pytest.fixture
def imported():
    return import_dictionary(DICTIONARY)


def items(imported) -> dict[str, dict]:
    return {item["id"]: item for item in imported.instrument["items"]}


def test_the_first_form_becomes_an_instrument_that_loads(imported) -> None:
    instrument = parse_instrument(imported.instrument, source="redcap")

    assert instrument.id == "wellbeing_check"
    assert [i.id for i in instrument.items] == [
        "mood",
        "mood_note",
        "sleep_hours",
        "slept_well",
        "nap",
        "sleep_quality",
        "worries",
        "support",
        "support_other",
        "feel_safe",
    ]


def test_radio_with_whole_number_codes_is_likert_with_those_values(imported) -> None:
    mood = items(imported)["mood"]

    assert mood["type"] == "likert" and mood["required"] is True
    assert [(o["value"], o["label"]["en"]) for o in mood["options"]] == [
        (0, "Not at all"),
        (1, "Several days"),
        (2, "More than half the days"),
        (3, "Nearly every day"),
    ]


def test_each_field_type_maps_to_its_savor_item(imported) -> None:
    found = {i: item["type"] for i, item in items(imported).items()}

    assert found == {
        "mood": "likert",
        "mood_note": "text",
        "sleep_hours": "number",
        "slept_well": "yes_no",
        "nap": "yes_no",
        "sleep_quality": "rating",
        "worries": "multiple_choice",
        "support": "single_choice",
        "support_other": "text",
        "feel_safe": "single_choice",
    }
    assert (items(imported)["sleep_hours"]["min"], items(imported)["sleep_hours"]["max"]) == (
        0,
        24,
    )
    assert items(imported)["sleep_quality"]["max_label"]["en"] == "Very good"
    assert items(imported)["mood_note"]["sensitive"] is True


def test_simple_branching_becomes_show_if_in_savor_values(imported) -> None:
    found = items(imported)

    assert found["mood_note"]["show_if"] == {"item": "mood", "equals": 3}
    assert found["nap"]["show_if"] == {"item": "slept_well", "equals": False}
    assert found["support_other"]["show_if"] == {"item": "support", "in": ["c9", "family"]}
    assert "show_if" not in found["feel_safe"]


def test_what_could_not_be_carried_over_is_listed(imported) -> None:
    lost = "\n".join(imported.not_carried)

    assert "intro: a descriptive field has no Savor equivalent" in lost
    assert "sleep_score: a calc field has no Savor equivalent" in lost
    assert "feel_safe: branching logic '[mood] > 1' is not [field] = 'value'" in lost
    assert "visit_date: marked as an identifier: Savor never asks for one; left out" in lost
    assert "form baseline_info: not imported (choose it with --form)" in lost
    assert "translate each 'es'" in lost


def test_another_form_is_imported_when_named() -> None:
    weight = import_dictionary(DICTIONARY, form="baseline_info")

    assert [i["id"] for i in weight.instrument["items"]] == ["weight"]


def test_a_file_that_is_not_a_dictionary_is_refused() -> None:
    with pytest.raises(DictionaryError, match="no Variable / Field Name"):
        import_dictionary("name,age\nana,3\n")


def test_the_command_writes_yaml_and_lists_the_rest(tmp_path: Path) -> None:
    out = tmp_path / "wellbeing_check.yaml"
    dictionary = tmp_path / "Wellbeing_DataDictionary.csv"
    dictionary.write_text(DICTIONARY, "utf-8")

    result = CliRunner().invoke(
        app, ["instrument", "import", str(dictionary), "--output", str(out)]
    )

    assert result.exit_code == 0, result.output
    assert "Not carried over:" in result.output
    written = yaml.safe_load(out.read_text("utf-8"))
    assert parse_instrument(written, source=out.stem).id == "wellbeing_check"


def test_a_checkbox_comes_back_as_the_same_redcap_checkbox(imported) -> None:
    instrument = parse_instrument(imported.instrument, source="redcap")
    worries = instrument.item("worries")

    rows = redcap.data_dictionary(Codebook(instruments=[instrument]), free_text=True)
    [field] = [dict(zip(redcap.HEADER, r, strict=True)) for r in rows if r[0] == "worries"]

    assert (field["Variable / Field Name"], field["Field Type"]) == ("worries", "checkbox")
    assert field["Choices, Calculations, OR Slider Labels"] == "1, Money | 2, Housing | 3, Health"
    assert [redcap.checkbox_column("worries", c) for c, _ in redcap.checkbox_codes(worries)] == [
        "worries___1",
        "worries___2",
        "worries___3",
    ]
    assert not [line for line in imported.not_carried if line.startswith("worries")]
