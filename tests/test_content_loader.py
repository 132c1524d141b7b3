"""The one content reader: safe YAML without anchors, every problem named by file and place."""

from pathlib import Path

import pytest
from pydantic import Field

from savor import content_loader
from savor.content_loader import ContentError
from savor.content_schema import Frozen, Localized
from savor.ema.instruments import InstrumentError, load_instruments


class Week(Frozen):
    number: int = Field(ge=1)
    theme: Localized


class Plan(Frozen):
    weeks: list[Week]


def _problems(text: str, *, file: str = "plan.yaml") -> list[str]:
    with pytest.raises(ContentError) as caught:
        content_loader.validate(Plan, content_loader.read_yaml(text, file=file), file=file)
    return caught.value.problems


def test_every_problem_is_named_by_file_and_key_path() -> None:
    text = (
        "weeks:\n- {number: 0, theme: {en: Rest, es: Descanso}}\n- {number: 2, theme: {en: Go}}\n"
    )

    assert _problems(text) == [
        "plan.yaml: weeks[0].number: Input should be greater than or equal to 1",
        "plan.yaml: weeks[1].theme.es: Field required",
    ]


def test_an_alias_is_refused_at_its_line() -> None:
    text = "weeks:\n- &first {number: 1, theme: {en: Rest, es: Descanso}}\n- *first\n"

    assert _problems(text) == [
        "plan.yaml: uses a YAML anchor or alias (&name / *name) at line 2; write each value "
        "out instead"
    ]


def test_an_anchor_alone_is_refused_too() -> None:
    text = "weeks:\n- {number: 1, theme: &t {en: Rest, es: Descanso}}\n"

    assert _problems(text)[0].startswith(
        "plan.yaml: uses a YAML anchor or alias (&name / *name) at line 2;"
    )


def test_a_yaml_tag_that_builds_objects_is_refused() -> None:
    assert _problems("weeks: !!python/object/apply:os.getcwd []\n") == [
        "plan.yaml: not valid YAML at line 1, column 8"
    ]


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    assert _problems("- 1\n- 2\n") == ["plan.yaml: must be a YAML mapping (key: value lines)"]


def test_load_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("weeks: []\nextra: 1\n", "utf-8")

    with pytest.raises(ContentError) as caught:
        content_loader.load(path, Plan)

    assert caught.value.problems == ["plan.yaml: extra: Extra inputs are not permitted"]


def test_an_instrument_file_with_an_alias_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text("id: tiny\ntitle: &t {en: T, es: T}\nv: *t\n", "utf-8")

    with pytest.raises(InstrumentError) as caught:
        load_instruments(tmp_path)

    assert caught.value.problems == [
        "tiny.yaml: uses a YAML anchor or alias (&name / *name) at line 2; write each value "
        "out instead"
    ]
