"""Which items she is asked, and checks on the answers she sends back; pure, no storage.

An answer is ``{"item_id": str, "value": ... | None, "declined": bool}``. ``declined`` is her
"prefer not to answer", which every item accepts and which never carries a value; an item she
skipped is simply not sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from savor.ema.items import Item

if TYPE_CHECKING:
    from savor.ema.instruments import Instrument

Answer = Mapping[str, Any]


@dataclass(frozen=True)
class ItemError:
    item_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.item_id}: {self.message}"


def _given(answers: Sequence[Answer]) -> dict[str, Any]:
    """Values she gave, by item id; declined answers and malformed ids are left out."""
    return {
        a["item_id"]: a.get("value")
        for a in answers
        if isinstance(a.get("item_id"), str) and a.get("declined") is not True
    }


def items_for(instrument: Instrument, *, features: Set[str], audience: str | None) -> list[Item]:
    """The items she may be asked: a gated item only when its feature is on, and an item for
    pregnant or postpartum mothers only to them (an unknown stage gets the items for all)."""
    return [
        item
        for item in instrument.items
        if (item.feature is None or item.feature in features) and item.audience in ("all", audience)
    ]


def shown_items(
    instrument: Instrument,
    answers: Sequence[Answer],
    *,
    features: Set[str],
    audience: str | None,
    context: Mapping[str, Any],
) -> list[Item]:
    """The items she sees given her answers so far and what we know about her day."""
    values = _given(answers)
    shown: list[Item] = []
    for item in items_for(instrument, features=features, audience=audience):
        condition = item.show_if
        # A missing answer or fact is None, which no condition asks for. Only answers to items
        # she saw count, so a hidden item hides the items that follow from it too.
        if (
            condition is None
            or (
                (condition.item and condition.item in {s.id for s in shown})
                and condition.holds(values.get(condition.item))
            )
            or (condition.context and condition.holds(context.get(condition.context)))
        ):
            shown.append(item)
    return shown


def _not_asked(item: Item, features: Set[str], audience: str | None) -> str | None:
    if item.feature is not None and item.feature not in features:
        return f"is not asked in this study (needs the {item.feature} feature)"
    if item.audience not in ("all", audience):
        return f"is asked only of participants who are {item.audience}"
    return None


def _answer_problem(item: Item, answer: Answer) -> str | None:
    declined, value = answer.get("declined", False), answer.get("value")
    if not isinstance(declined, bool):
        return "declined must be true or false"
    if declined and value is not None:
        return "a declined answer cannot also carry a value"
    if not declined and value is None:
        return "needs a value, or declined: true for 'prefer not to answer'"
    return None if declined else item.value_problem(value)


def validate_answers(
    instrument: Instrument,
    answers: Sequence[Answer],
    *,
    features: Set[str],
    audience: str | None,
    context: Mapping[str, Any] | None = None,
) -> list[ItemError]:
    """Every problem with a set of answers to one instrument, one per answer at most."""
    by_id = {item.id: item for item in instrument.items}
    shown = shown_items(
        instrument, answers, features=features, audience=audience, context=context or {}
    )
    shown_ids = {item.id for item in shown}
    errors: list[ItemError] = []
    answered: set[str] = set()
    for answer in answers:
        item_id = answer.get("item_id")
        if not isinstance(item_id, str) or not item_id:
            errors.append(ItemError(str(item_id or ""), "every answer needs an item_id"))
            continue
        item = by_id.get(item_id)
        if item is None:
            problem = f"is not an item of {instrument.id}"
        elif item_id in answered:
            problem = "is answered more than once"
        else:
            problem = (
                _not_asked(item, features, audience)
                or (None if item_id in shown_ids else _hidden(item))
                or _answer_problem(item, answer)
            )
        answered.add(item_id)
        if problem:
            errors.append(ItemError(item_id, problem))
    errors += [
        ItemError(item.id, "is required: answer it, or choose 'prefer not to answer'")
        for item in shown
        if item.required and item.id not in answered
    ]
    return errors


def _hidden(item: Item) -> str:
    condition = item.show_if
    assert condition is not None  # only show_if hides an item she is asked
    source = condition.item or condition.context
    wanted = " or ".join(json.dumps(v) for v in condition.values)
    return f"was not shown, so it cannot be answered: it depends on {source} being {wanted}"


def facts_asked(instrument: Instrument) -> set[str]:
    """The facts about her day (a check-in's `context`) that some item's show_if asks for."""
    return {
        item.show_if.context for item in instrument.items if item.show_if and item.show_if.context
    }


def crisis_items(instrument: Instrument, answers: Sequence[Answer]) -> list[str]:
    """Ids of the items whose answer reached the item's crisis threshold, in instrument order."""
    values = _given(answers)
    return [
        item.id
        for item in instrument.items
        if item.crisis_threshold is not None
        and type(values.get(item.id)) is int
        and values[item.id] >= item.crisis_threshold
    ]
