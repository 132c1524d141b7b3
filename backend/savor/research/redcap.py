"""The codebook as a REDCap data dictionary: a CSV REDCap reads to build a project that takes
the wide `responses` export (`shape=wide`), column for column and value for value.

REDCap's conventions, as its own dictionaries are written: its 18 columns in their order; one
variable per column of the export, named as the column (REDCap wants lowercase names, so an
item id such as S1 becomes s1); choices as `code, label | code, label`, with the codes the
export writes (a likert value, a choice key, `true`/`false` for a yes or no); branching logic
from an item's show_if as `[item] = 'value'`; validation for whole numbers, numbers and
dates; a multiple-choice item as a checkbox field, which the `shape=redcap` export writes as
REDCap's `name___code` columns of 0 and 1. The record ID, which REDCap needs first, is
`response_ref`: one record per answered check-in or questionnaire.
"""

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from savor.ema.instruments import Instrument
from savor.ema.items import RATING_MAX, RATING_MIN, Item, ShowIf
from savor.research.codebook import Codebook
from savor.research.exports import columns as cols

HEADER = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]
BASE_FORM = "savor_response"
RECORD_ID = "response_ref"
BOOLEAN_CHOICES = "true, Yes | false, No"
VALIDATION = {"integer": "integer", "number": "number", "date": "date_ymd"}
IMPORTED_CODE = re.compile(r"^c(\d+)$")  # a REDCap numeric code as a Savor choice key


def variable(name: str) -> str:
    """A REDCap variable name for an export column: the same name, in lowercase."""
    return name.lower()


def _row(name: str, form: str, kind: str, label: str, **extra: str | None) -> list[str]:
    cells = dict.fromkeys(HEADER, "")
    cells.update(
        {
            "Variable / Field Name": variable(name),
            "Form Name": form,
            "Field Type": kind,
            "Field Label": label,
        }
    )
    names = {
        "section": "Section Header",
        "choices": "Choices, Calculations, OR Slider Labels",
        "note": "Field Note",
        "validation": "Text Validation Type OR Show Slider Number",
        "low": "Text Validation Min",
        "high": "Text Validation Max",
        "branching": "Branching Logic (Show field only if...)",
        "required": "Required Field?",
        "annotation": "Field Annotation",
    }
    for key, value in extra.items():
        cells[names[key]] = "" if value is None else value
    return [cells[h] for h in HEADER]


def choices(pairs: list[tuple[Any, str]]) -> str:
    # A '|' or ',' inside a label would split it in REDCap's reading: made harmless.
    return " | ".join(f"{code}, {label.replace('|', '/')}" for code, label in pairs)


def _base_row(column: cols.Column) -> list[str]:
    label = column.description[:1].upper() + column.description[1:]
    if column.type == "boolean":
        return _row(column.name, BASE_FORM, "radio", label, choices=BOOLEAN_CHOICES)
    if column.labels:
        pairs = [(code, meaning or code) for code, meaning in column.labels.items()]
        return _row(column.name, BASE_FORM, "radio", label, choices=choices(pairs))
    validation = VALIDATION.get(column.type)
    note = "';'-joined" if column.type == "list" else None
    return _row(column.name, BASE_FORM, "text", label, validation=validation, note=note)


def _base_rows() -> Iterator[list[str]]:
    every = [cols.as_column(c) for c in cols.RESPONSE_BASE + cols.WIDE_DECLINED]
    first = next(c for c in every if c.name == RECORD_ID)
    yield _row(first.name, BASE_FORM, "text", "Response (R + keyed hash): the record ID")
    yield from (_base_row(c) for c in every if c.name != RECORD_ID)


def branching(condition: ShowIf | None) -> str:
    """show_if as REDCap branching logic: `[item] = 'value'`, `or` between values."""
    if condition is None:
        return ""
    name = variable(condition.item or f"context_{condition.context}")
    tests = [f"[{name}] = '{_code(v)}'" for v in condition.values]
    return " or ".join(tests)


def _code(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _item_rows(instrument: Instrument, item: Item, first: bool) -> Iterator[list[str]]:
    form = instrument.id
    common: dict[str, str | None] = {
        "note": item.help.en if item.help else None,
        "branching": branching(item.show_if),
        "required": "y" if item.required else "",
        "section": instrument.title.en if first else None,
        "annotation": _source(instrument) if first else None,
    }
    label = item.text.en
    match item.type:
        case "likert":
            pairs = [(o.value, o.label.en) for o in item.options]
            yield _row(item.id, form, "radio", label, choices=choices(pairs), **common)
        case "single_choice":
            pairs = [(o.key, o.label.en) for o in item.options]
            yield _row(item.id, form, "radio", label, choices=choices(pairs), **common)
        case "yes_no":
            yield _row(item.id, form, "radio", label, choices=BOOLEAN_CHOICES, **common)
        case "multiple_choice":
            # REDCap's checkbox: one 0/1 column per choice, `name___code` (checkbox_columns).
            labels = {o.key: o.label.en for o in item.options}
            pairs = [(code, labels[key]) for code, key in checkbox_codes(item)]
            common["note"] = "; ".join(f"{code} = {key}" for code, key in checkbox_codes(item))
            yield _row(item.id, form, "checkbox", label, choices=choices(pairs), **common)
        case "rating":
            common["note"] = f"{RATING_MIN} = {item.min_label.en if item.min_label else ''}; " + (
                f"{RATING_MAX} = {item.max_label.en if item.max_label else ''}"
            )
            yield _row(
                item.id,
                form,
                "text",
                label,
                validation="integer",
                low=str(RATING_MIN),
                high=str(RATING_MAX),
                **common,
            )
            if item.alternative:
                alt = item.alternative.label.en
                yield _row(
                    f"{item.id}{cols.ALT_SUFFIX}",
                    form,
                    "radio",
                    f"{label} ({alt})",
                    choices=choices([("true", alt)]),
                    branching=common["branching"],
                )
        case "number":
            bounds = {"low": _code(item.min) if item.min is not None else None}
            bounds["high"] = _code(item.max) if item.max is not None else None
            yield _row(item.id, form, "text", label, validation="number", **bounds, **common)
        case _:
            yield _row(item.id, form, "notes", label, **common)


def checkbox_codes(item: Item) -> list[tuple[str, str]]:
    """(REDCap code, Savor choice key) of a multiple-choice item's choices, in order.

    Keys `savor instrument import` made from REDCap's numeric codes (c1, c2, ...) give those
    codes back, so a dictionary imported and exported again keeps its columns; other keys are
    numbered from 1 in the item's order, as REDCap numbers new checkbox choices.
    """
    keys = [o.key or "" for o in item.options]
    numbers = [m.group(1) for k in keys if (m := IMPORTED_CODE.match(k))]
    if len(numbers) == len(keys) and len(set(numbers)) == len(numbers):
        return list(zip(numbers, keys, strict=True))
    return [(str(n), key) for n, key in enumerate(keys, 1)]


def checkbox_column(item_id: str, code: str) -> str:
    """REDCap's column for one checkbox choice: the variable, three underscores, the code."""
    return f"{item_id}___{code}"


def checkboxes(codebook: Codebook) -> dict[str, list[tuple[str, str]]]:
    """Item id → (column, choice key) of each multiple-choice item's REDCap checkbox columns,
    as its newest version words it (the dictionary's definition)."""
    newest: dict[str, Item] = {}
    for instrument in codebook.instruments:  # by id, then version: the last one wins
        for item in instrument.items:
            if item.type == "multiple_choice":
                newest[item.id] = item
    return {
        item_id: [(checkbox_column(item_id, code), key) for code, key in checkbox_codes(item)]
        for item_id, item in newest.items()
    }


def _source(instrument: Instrument) -> str | None:
    source = instrument.source
    if source is None:
        return None
    return f"{source.name}. Licence: {source.licence} Citation: {source.citation}"


def data_dictionary(codebook: Codebook, *, free_text: bool) -> list[list[str]]:
    """The REDCap data dictionary of the study's wide responses export, header first.

    Each item once, as its newest version words it (REDCap holds one definition a variable);
    free text only when it may be exported.
    """
    rows = [HEADER, *_base_rows()]
    newest: dict[str, Instrument] = {}
    for instrument in codebook.instruments:  # by id, then version: the last one wins
        newest[instrument.id] = instrument
    seen: set[str] = set()
    for instrument in newest.values():
        first = True
        for item in instrument.items:
            if item.id in seen or (item.type == "text" and not free_text):
                continue
            seen.add(item.id)
            rows += list(_item_rows(instrument, item, first))
            first = False
    return rows


def csv_chunks(rows: list[list[str]]) -> Iterator[bytes]:
    """The dictionary as CSV (quoted where a cell needs it, CRLF lines, as REDCap writes)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    yield buffer.getvalue().encode("utf-8")
