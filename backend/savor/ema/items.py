"""One check-in question: its wording in English and Spanish, when it is asked, what answers it.

Every item can be skipped or answered "prefer not to answer"; no item has a default value.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from savor.content_schema import Audience, Localized, StrictFrozen
from savor.studies.protocol import Features

RATING_MIN, RATING_MAX = 0, 10
TEXT_MAX_CHARS = 2000
# Bounds on any answer's value, checked before its item is known: a list far longer than any
# item's options, a choice key longer than an item id, or a number no scale reaches cannot be
# an answer, and would only make a check-in heavy to read, echo back or store.
MAX_CHOICES = 50
CHOICE_MAX_CHARS = 40
MAX_NUMBER = 10**15
# Only a flag the protocol can switch on may gate an item, or the item could never be asked.
FEATURE_FLAGS = frozenset(n for n, f in Features.model_fields.items() if f.annotation is bool)
# Facts the server knows about her day; a misspelt name would hide an item for ever.
CONTEXT_FLAGS = frozenset({"practiced_today"})

ItemType = Literal[
    "rating", "likert", "yes_no", "single_choice", "multiple_choice", "number", "text"
]
ItemId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,39}$")]
Scalar = bool | int | float | str

# Fields that belong to one kind of item: those it needs, and those it may have.
_NEEDS: dict[str, tuple[str, ...]] = {
    "rating": ("min_label", "max_label"),
    "likert": ("options",),
    "single_choice": ("options",),
    "multiple_choice": ("options",),
    "number": ("min", "max"),
}
# A likert item may have a crisis threshold too: PHQ-9 item 9 above 0 shows crisis help.
_MAY_HAVE = {"rating": ("crisis_threshold", "alternative"), "likert": ("crisis_threshold",)}
_TYPED_FIELDS = {f for fields in (*_NEEDS.values(), *_MAY_HAVE.values()) for f in fields}


class CheckInContent(StrictFrozen):
    """Check-in content: answers are checked against it, so nothing is coerced, and its
    wording gets a message that names the language missing."""

    @field_validator("*", mode="before")
    @classmethod
    def _both_languages(cls, data: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields[info.field_name or ""]
        if field.annotation not in _WORDED or (data is None and not field.is_required()):
            return data
        if not isinstance(data, dict):
            raise ValueError("needs text in English and Spanish, as {en: ..., es: ...}")
        if missing := [lang for lang in ("en", "es") if not data.get(lang)]:
            raise ValueError(f"needs text in English and Spanish; missing {' and '.join(missing)}")
        return data


_WORDED = (Localized, Localized | None)


class Option(CheckInContent):
    key: ItemId | None = None  # what a single or multiple choice answer carries
    value: int | None = None  # what a likert answer carries; the options' order is the scale's
    label: Localized
    # Rules out every other choice, like "Rather not say" in a choose-any list.
    exclusive: bool = False


class ShowIf(CheckInContent):
    item: str | None = None
    context: str | None = None
    equals: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")

    @model_validator(mode="after")
    def _one_of_each(self) -> ShowIf:
        if (self.item is None) == (self.context is None):
            raise ValueError("show_if needs exactly one of 'item' or 'context'")
        if (self.equals is None) == (self.in_ is None):
            raise ValueError("show_if needs exactly one of 'equals' or 'in'")
        if self.context is not None and self.context not in CONTEXT_FLAGS:
            raise ValueError(f"unknown context {self.context!r}; known: {sorted(CONTEXT_FLAGS)}")
        return self

    @property
    def values(self) -> list[Scalar]:
        return self.in_ if self.in_ is not None else [self.equals]  # type: ignore[list-item]

    def holds(self, value: Any) -> bool:
        # Same type as well as equal: in Python `True == 1`, but a yes is not a rating of 1.
        return any(type(value) is type(v) and value == v for v in self.values)


class Item(CheckInContent):
    id: ItemId
    type: ItemType
    text: Localized
    help: Localized | None = None
    required: bool = False
    show_if: ShowIf | None = None
    audience: Audience = "all"
    feature: str | None = None  # a protocol feature flag that must be on for her to be asked
    sensitive: bool = False  # stored and exported with extra care (field-level encryption)
    crisis_threshold: int | None = Field(default=None, ge=RATING_MIN, le=RATING_MAX)
    min_label: Localized | None = None
    max_label: Localized | None = None
    # A true answer beside a rating's scale, e.g. B1's "I haven't been with my baby".
    alternative: Option | None = None
    options: list[Option] = Field(default_factory=list)
    min: int | float | None = None
    max: int | float | None = None

    @model_validator(mode="after")
    def _fits_type(self) -> Item:
        if problems := list(_item_problems(self)):
            raise ValueError("; ".join(problems))
        return self

    def value_problem(self, value: Any) -> str | None:
        """Why `value` cannot answer this item, or None when it can."""
        keys = [o.key for o in self.options]
        match self.type:
            case "rating":
                if self.alternative and value == self.alternative.key:
                    return None
                return _number_problem(value, RATING_MIN, RATING_MAX, whole=True)
            case "likert":
                values = [o.value for o in self.options]
                ok = _is_int(value) and value in values
                return None if ok else f"must be one of the values {values}"
            case "yes_no":
                return None if isinstance(value, bool) else "must be true or false"
            case "single_choice":
                ok = isinstance(value, str) and value in keys
                return None if ok else f"must be one of {keys}"
            case "multiple_choice":
                return _choices_problem(self, value)
            case "number":
                return _number_problem(value, self.min, self.max, whole=False)
            case _:
                if not isinstance(value, str) or not value.strip():
                    return "must be some text (decline instead of sending it empty)"
                too_long = len(value) > TEXT_MAX_CHARS
                return f"must be at most {TEXT_MAX_CHARS} characters" if too_long else None


def shape_problem(value: Any) -> str | None:
    """Why `value` cannot answer any item at all, or None when some item might take it."""
    if isinstance(value, list):
        if len(value) > MAX_CHOICES:
            return f"must list at most {MAX_CHOICES} choices"
        for choice in value:
            if isinstance(choice, str) and len(choice) > CHOICE_MAX_CHARS:
                return f"a choice is at most {CHOICE_MAX_CHARS} characters"
            if isinstance(choice, list) or shape_problem(choice) is not None:
                return "a list of choices holds only choice keys"
        return None
    if isinstance(value, str):
        too_long = len(value) > TEXT_MAX_CHARS
        return f"must be at most {TEXT_MAX_CHARS} characters" if too_long else None
    if _is_int(value) and abs(value) > MAX_NUMBER:
        return "is too large a number for any answer"
    if value is None or isinstance(value, bool | int | float):
        return None
    return "must be a number, true or false, some text, or a list of choices"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number_problem(
    value: Any, low: float | None, high: float | None, *, whole: bool
) -> str | None:
    numeric = _is_int(value) or (not whole and isinstance(value, float) and math.isfinite(value))
    if not numeric or not (low is None or value >= low) or not (high is None or value <= high):
        return f"must be a {'whole ' if whole else ''}number from {low} to {high}"
    return None


def _choices_problem(item: Item, value: Any) -> str | None:
    keys = [o.key for o in item.options]
    if not isinstance(value, list) or not value:
        return "must be a non-empty list of choices (decline instead of sending none)"
    if unknown := [v for v in value if v not in keys]:
        return f"has unknown choices {unknown}; choose from {keys}"
    if len(set(value)) != len(value):
        return "lists a choice more than once"
    if len(value) > 1 and (
        alone := [o.key for o in item.options if o.exclusive and o.key in value]
    ):
        return f"{alone[0]!r} cannot be chosen together with other choices"
    return None


def _item_problems(item: Item) -> Iterator[str]:
    if missing := [f for f in _NEEDS.get(item.type, ()) if getattr(item, f) in (None, [])]:
        yield f"a {item.type} item needs {' and '.join(missing)}"
    allowed = {*_NEEDS.get(item.type, ()), *_MAY_HAVE.get(item.type, ())}
    yield from (
        f"'{f}' does not apply to a {item.type} item"
        for f in sorted(item.model_fields_set & (_TYPED_FIELDS - allowed))
        if getattr(item, f) not in (None, [])
    )
    choices = item.options + ([item.alternative] if item.alternative else [])
    if item.type == "likert":
        values = [o.value for o in item.options]
        if None in values or values != sorted(set(values)):  # type: ignore[type-var]
            yield "likert options each need a numeric value, in increasing order"
    elif choices and (None in (keys := [o.key for o in choices]) or len(set(keys)) != len(keys)):
        yield "each option needs its own key"
    if item.type != "multiple_choice" and any(o.exclusive for o in choices):
        yield "'exclusive' only applies to multiple_choice options"
    if item.type == "number" and not (item.min is None or item.max is None or item.min < item.max):
        yield "min must be below max"
    if item.type == "text" and not item.sensitive:
        yield "free text is always sensitive: set sensitive: true"
    if item.feature is not None and item.feature not in FEATURE_FLAGS:
        yield f"unknown feature {item.feature!r}; the protocol has {sorted(FEATURE_FLAGS)}"
