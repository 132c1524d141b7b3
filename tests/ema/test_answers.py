"""Checks on the answers a phone sends for one check-in, item by item."""

from typing import Any

import pytest

from savor.ema.answers import ItemError, crisis_items, shown_items, validate_answers
from savor.ema.instruments import Instrument, default_instruments, parse_instrument


def answer(item_id: str, value: Any = None, *, declined: bool = False) -> dict[str, Any]:
    return {"item_id": item_id, "value": value, "declined": declined}


def check(
    instrument_id: str,
    answers: list[dict[str, Any]],
    *,
    features: frozenset[str] = frozenset(),
    audience: str | None = "postpartum",
    context: dict[str, Any] | None = None,
) -> list[ItemError]:
    instrument = default_instruments()[instrument_id]
    return validate_answers(
        instrument, answers, features=features, audience=audience, context=context
    )


def tiny(*items: dict[str, Any]) -> Instrument:
    data = {"id": "tiny", "version": "1.0.0", "title": {"en": "Tiny", "es": "Pequeño"}}
    return parse_instrument({**data, "items": list(items)}, source="test")


def errors_in(instrument: Instrument, answers: list[dict[str, Any]]) -> list[ItemError]:
    return validate_answers(instrument, answers, features=set(), audience=None)


def only_error(errors: list[ItemError]) -> ItemError:
    assert len(errors) == 1, errors
    return errors[0]


TEXT = {"en": "Well?", "es": "¿Bien?"}
TRIGGERS = [
    "stress",
    "pain",
    "tired",
    "baby_crying",
    "conflict",
    "reminder",
    "lonely_bored",
    "other",
    "rather_not_say",
]
MOMENTARY = [
    answer("S1", 4),
    answer("C1", 0),
    answer("A1", 7),
    answer("A2", 6),
    answer("N1", 2),
    answer("PN1", 3),
    answer("B1", 8),
    answer("SV1", True),
    answer("SV1b", 10),
]


def test_a_full_momentary_check_in_passes() -> None:
    assert check("momentary", MOMENTARY) == []


def test_skipping_every_item_passes() -> None:
    assert check("momentary", []) == []


def test_prefer_not_to_answer_is_accepted_for_any_item() -> None:
    declined = [answer(i, declined=True) for i in ("S1", "C1", "B1", "SV1")]

    assert check("momentary", declined) == []


def test_b1_takes_i_have_not_been_with_my_baby() -> None:
    assert check("momentary", [answer("B1", "not_with_baby")]) == []


@pytest.mark.parametrize(
    ("answers", "item_id", "message"),
    [
        ([answer("S1", 11)], "S1", "must be a whole number from 0 to 10"),
        ([answer("S1", -1)], "S1", "must be a whole number from 0 to 10"),
        ([answer("S1", 5.5)], "S1", "must be a whole number from 0 to 10"),
        ([answer("S1", "5")], "S1", "must be a whole number from 0 to 10"),
        ([answer("S1", True)], "S1", "must be a whole number from 0 to 10"),
        ([answer("SV1", "yes")], "SV1", "must be true or false"),
        ([answer("B1", "not_with_mom")], "B1", "must be a whole number from 0 to 10"),
        ([answer("Z9", 3)], "Z9", "is not an item of momentary"),
        ([answer("S1", 3), answer("S1", 4)], "S1", "is answered more than once"),
        ([answer("S1", 3, declined=True)], "S1", "a declined answer cannot also carry a value"),
        ([answer("S1")], "S1", "needs a value, or declined: true for 'prefer not to answer'"),
        ([{"item_id": "S1", "value": 3, "declined": "no"}], "S1", "declined must be true or false"),
        ([answer("B1p", 5)], "B1p", "is asked only of participants who are pregnant"),
    ],
)
def test_a_wrong_answer_is_refused_naming_its_item(
    answers: list[dict[str, Any]], item_id: str, message: str
) -> None:
    error = only_error(check("momentary", answers))

    assert (error.item_id, error.message) == (item_id, message)


def test_an_answer_without_an_item_id_is_refused() -> None:
    error = only_error(check("momentary", [{"value": 3, "declined": False}]))

    assert error.message == "every answer needs an item_id"


@pytest.mark.parametrize("sv1", [answer("SV1", False), answer("SV1", declined=True), None])
def test_sv1b_is_hidden_unless_sv1_is_yes(sv1: dict[str, Any] | None) -> None:
    answers = [sv1] if sv1 else []
    shown = shown_items(
        default_instruments()["momentary"], answers, features=set(), audience=None, context={}
    )

    assert "SV1b" not in {i.id for i in shown}
    error = only_error(check("momentary", [*answers, answer("SV1b", 6)]))
    assert error.item_id == "SV1b"
    assert error.message.startswith("was not shown, so it cannot be answered")


def test_sv1b_is_shown_after_sv1_yes() -> None:
    shown = shown_items(
        default_instruments()["momentary"],
        [answer("SV1", True)],
        features=set(),
        audience=None,
        context={},
    )

    assert [i.id for i in shown][-2:] == ["SV1", "SV1b"]


def test_every_wrong_answer_is_reported_not_just_the_first() -> None:
    errors = check("momentary", [answer("S1", 12), answer("C1", "high"), answer("Q7", 1)])

    assert [e.item_id for e in errors] == ["S1", "C1", "Q7"]


def test_the_opioid_use_item_is_refused_while_its_feature_is_off() -> None:
    error = only_error(check("end_of_day", [answer("E8", False)]))

    assert error == ItemError(
        "E8", "is not asked in this study (needs the sensitive_use_item feature)"
    )


def test_the_opioid_use_item_is_accepted_when_the_study_turns_it_on() -> None:
    assert (
        check("end_of_day", [answer("E8", True)], features=frozenset({"sensitive_use_item"})) == []
    )


def test_e6_is_asked_only_after_a_practice_was_logged() -> None:
    e6 = [answer("E6", 7)]

    assert check("end_of_day", e6, context={"practiced_today": True}) == []
    assert only_error(check("end_of_day", e6, context={"practiced_today": False})).item_id == "E6"
    assert only_error(check("end_of_day", e6)).item_id == "E6"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["stress", "pain"], None),
        (["rather_not_say"], None),
        (["stress", "stress"], "lists a choice more than once"),
        (
            ["rather_not_say", "stress"],
            "'rather_not_say' cannot be chosen together with other choices",
        ),
        (["hungry"], f"has unknown choices ['hungry']; choose from {TRIGGERS}"),
        ([], "must be a non-empty list of choices (decline instead of sending none)"),
        ("stress", "must be a non-empty list of choices (decline instead of sending none)"),
    ],
)
def test_choose_any_triggers(value: Any, message: str | None) -> None:
    errors = check("hard_moment", [answer("TRG", value)])

    assert errors == ([ItemError("TRG", message)] if message else [])


@pytest.mark.parametrize(
    ("item_id", "value", "ok"),
    [
        ("E3", 2, True),
        ("E3", 4, False),
        ("E3", "2", False),
        ("E7", "not_on_medication", True),
        ("E7", "maybe", False),
    ],
)
def test_likert_and_single_choice_take_only_their_options(
    item_id: str, value: Any, ok: bool
) -> None:
    errors = check("end_of_day", [answer(item_id, value)], features=frozenset({"medication_item"}))

    assert [e.item_id for e in errors] == ([] if ok else [item_id])


def test_a_required_item_must_be_answered_or_declined() -> None:
    instrument = tiny({"id": "Q1", "type": "yes_no", "required": True, "text": TEXT})

    assert errors_in(instrument, []) == [
        ItemError("Q1", "is required: answer it, or choose 'prefer not to answer'")
    ]
    assert errors_in(instrument, [answer("Q1", declined=True)]) == []


@pytest.mark.parametrize(
    ("item", "good", "bad", "message"),
    [
        ({"type": "number", "min": 0, "max": 24}, 7.5, 25, "must be a number from 0 to 24"),
        ({"type": "number", "min": 0, "max": 24}, 0, True, "must be a number from 0 to 24"),
        (
            {"type": "text", "sensitive": True},
            "A long day.",
            "x" * 2001,
            "must be at most 2000 characters",
        ),
    ],
)
def test_numbers_and_free_text_are_bounded(
    item: dict[str, Any], good: Any, bad: Any, message: str
) -> None:
    instrument = tiny({"id": "Q1", "text": TEXT, **item})

    assert errors_in(instrument, [answer("Q1", good)]) == []
    assert errors_in(instrument, [answer("Q1", bad)]) == [ItemError("Q1", message)]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([answer("C1", 9)], ["C1"]),
        ([answer("C1", 8), answer("S1", 3)], []),
        ([answer("C1", declined=True)], []),
        ([answer("C1", 10), answer("S1", 9), answer("N1", 10)], ["S1", "C1", "N1"]),
        ([answer("A1", 10), answer("B1", "not_with_baby")], []),
    ],
)
def test_crisis_items_are_those_at_or_over_their_threshold(
    answers: list[dict[str, Any]], expected: list[str]
) -> None:
    assert crisis_items(default_instruments()["momentary"], answers) == expected
