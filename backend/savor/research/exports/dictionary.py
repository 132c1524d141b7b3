"""The data dictionary: every column an export can hold, typed, for the codebook (JSON and CSV)
and as a Frictionless Data Package (`datapackage.json`), so `frictionless` in Python or R reads
the CSV exports typed without a line of hand-fixing.

A dataset's own columns are described in `columns`; the columns an export adds from the
codebook (a wide item column, `pre_S1`, `B1_alt`) are described here from their items. A
column neither knows is an error (`UndocumentedColumn`): tests enumerate every column of every
dataset and shape and fail on one.
"""

from dataclasses import dataclass
from typing import Any, get_args

from sqlmodel import Session

from savor.ema.instruments import Instrument
from savor.ema.items import RATING_MAX, RATING_MIN, Item
from savor.research.codebook import Codebook, load_codebook
from savor.research.exports import columns as cols
from savor.research.exports import service
from savor.studies.models import Study

# How each item type reads in an export.
ITEM_TYPES = {
    "rating": "integer",
    "likert": "integer",
    "yes_no": "boolean",
    "single_choice": "string",
    "multiple_choice": "list",
    "number": "number",
    "text": "string",
}
TABLE_TYPES = {"list": "string"}  # Table Schema has no list: ';'-joined text, with a note
PRIMARY_KEYS = {
    "responses": ["response_ref", "item_id"],
    "responses-wide": ["response_ref"],
    "prompts": ["prompt_ref"],
    "practice_sessions": ["session_ref"],
    "participants": ["pseudonym"],
    "offers": ["offer_ref"],
    "participant_states": ["state_ref"],
    "consents": ["consent_ref"],
    "deletions": ["pseudonym"],
    "decisions": ["decision_ref"],
    "scores": ["response_ref", "scale"],
}
CSV_COLUMNS = ["dataset", "name", "type", "unit", "labels", "missing", "description"]


class UndocumentedColumn(Exception):
    """A column an export writes that the dictionary cannot describe."""


@dataclass(frozen=True)
class Resource:
    """One dataset in one shape, as a file of the Data Package."""

    dataset: str
    shape: str

    @property
    def name(self) -> str:
        return f"{self.dataset}-wide" if self.shape == "wide" else self.dataset

    @property
    def path(self) -> str:
        return f"{self.name}.csv"


def resources() -> list[Resource]:
    """Every dataset the export offers, long, and the responses wide."""
    found = [Resource(d, "long") for d in get_args(service.Dataset)]
    return found + [Resource(d, "wide") for d in cols.WIDE]


def _items(codebook: Codebook) -> dict[str, list[tuple[Instrument, Item]]]:
    found: dict[str, list[tuple[Instrument, Item]]] = {}
    for instrument in codebook.instruments:
        for item in instrument.items:
            found.setdefault(item.id, []).append((instrument, item))
    return found


def _labels(item: Item) -> dict[str, str] | None:
    choices = [*item.options, *([item.alternative] if item.alternative else [])]
    if item.type == "likert":
        return {str(o.value): o.label.en for o in item.options}
    if choices and item.type != "rating":
        return {o.key: o.label.en for o in choices}
    return None


def item_column(name: str, item_id: str, asked: list[tuple[Instrument, Item]]) -> cols.Column:
    """A column holding one item's answers, typed as the item (as text when two instruments
    ask the same id with different types)."""
    kinds = {ITEM_TYPES[item.type] for _, item in asked}
    kind = kinds.pop() if len(kinds) == 1 else "string"
    item = asked[-1][1]
    where = ", ".join(sorted({f"{i.id} v{i.version}" for i, _ in asked}))
    unit, labels = None, _labels(item)
    if item.type == "rating":
        unit = f"rating {RATING_MIN}-{RATING_MAX}"
        low, high = item.min_label, item.max_label
        labels = {str(RATING_MIN): low.en, str(RATING_MAX): high.en} if low and high else None
    elif item.type == "number":
        unit = f"number {item.min}-{item.max}" if item.min is not None else None
    text = f"{item.text.en} ({where})"
    if kind == "list":
        text += "; the chosen keys, ';'-joined in CSV"
    missing = "not asked, hidden by a condition, skipped or declined"
    return cols.Column(name, text, kind, unit, labels, missing)


def describe(resource: Resource, names: list[str], codebook: Codebook) -> list[cols.Column]:
    """Each named column of the resource, typed; UndocumentedColumn for one nobody knows."""
    own = cols.WIDE if resource.shape == "wide" else cols.DATASETS
    known = {c.name: c for c in map(cols.as_column, own.get(resource.dataset, []))}
    items = _items(codebook)
    found = []
    for name in names:
        if name in known:
            found.append(known[name])
            continue
        column = _item_column(resource, name, items)
        if column is None:
            raise UndocumentedColumn(f"{resource.name}.{name}")
        found.append(column)
    return found


def _item_column(
    resource: Resource, name: str, items: dict[str, list[tuple[Instrument, Item]]]
) -> cols.Column | None:
    if resource.dataset == "responses" and resource.shape == "wide":
        if name in items:
            return item_column(name, name, items[name])
        base = name.removesuffix(cols.ALT_SUFFIX)
        alternatives = sorted({i.alternative.key for _, i in items.get(base, []) if i.alternative})
        if name != base and alternatives:
            return cols.alt_column(base, ", ".join(alternatives))
    if resource.dataset == "decisions":
        return _decision_column(name, items)
    if resource.dataset == "practice_sessions":
        prefix, _, item_id = name.partition("_")
        if prefix in ("pre", "post") and item_id in items:
            column = item_column(name, item_id, items[item_id])
            when = "before" if prefix == "pre" else "after"
            text = f"{when} the practice: {column.description}"
            return cols.Column(name, text, column.type, column.unit, column.labels, column.missing)
    return None


def _decision_column(
    name: str, items: dict[str, list[tuple[Instrument, Item]]]
) -> cols.Column | None:
    """A declared option's probability (p_<option>) or a proximal outcome (outcome_<item>)."""
    prefix, _, rest = name.partition("_")
    if prefix == "p" and rest:
        return cols.as_column(cols.decision_columns([rest], [])[-1])
    if prefix == "outcome" and rest in items:
        column = item_column(name, rest, items[rest])
        text = f"proximal outcome: {column.description}"
        missing = "no check-in in the window answered it (yet)"
        return cols.Column(name, text, column.type, column.unit, column.labels, missing)
    return None


def study_dictionary(
    *, session: Session, study: Study, free_text: bool
) -> list[tuple[Resource, list[cols.Column]]]:
    """Every resource with the columns a full export of the study holds now."""
    codebook = load_codebook(session=session)
    found = []
    for resource in resources():
        request = service.ExportRequest(
            dataset=resource.dataset,  # type: ignore[arg-type]
            shape=resource.shape,  # type: ignore[arg-type]
            free_text=free_text,
        )
        plan = service.plan_export(session=session, study=study, request=request)
        found.append((resource, describe(resource, plan.columns, codebook)))
    return found


def documentation(dictionary: list[tuple[Resource, list[cols.Column]]]) -> dict[str, Any]:
    """The codebook's `datasets` section: each resource's columns, in order, by its name
    (`responses`, `responses-wide`, ...), and notes on types, times and the wide shape."""
    notes = {"types": list(cols.TYPES), "times": cols.TIME_NOTE, "wide": cols.WIDE_NOTE}
    return notes | {r.name: [c.document() for c in columns] for r, columns in dictionary}


def csv_rows(dictionary: list[tuple[Resource, list[cols.Column]]]) -> list[dict[str, Any]]:
    """The dictionary as rows of CSV_COLUMNS: one per column of each resource."""
    return [
        {
            "dataset": resource.name,
            **{k: v for k, v in column.document().items() if k != "labels"},
            "labels": " | ".join(f"{k}={v}" for k, v in (column.labels or {}).items()) or None,
        }
        for resource, columns in dictionary
        for column in columns
    ]


def _field(column: cols.Column) -> dict[str, Any]:
    text = column.description
    if column.labels:
        text += ". Values: " + "; ".join(f"{k} ({v})" if v else k for k, v in column.labels.items())
    if column.missing:
        text += f". Empty: {column.missing}"
    if column.type == "list":
        text += ". A list: its values joined by ';'"
    field: dict[str, Any] = {
        "name": column.name,
        "type": TABLE_TYPES.get(column.type, column.type),
        "description": text,
    }
    if column.unit:
        field["unit"] = column.unit
    if column.type == "boolean":
        field |= {"trueValues": ["true"], "falseValues": ["false"]}
    return field


def data_package(study: str, dictionary: list[tuple[Resource, list[cols.Column]]]) -> dict:
    """A Frictionless Data Package: one resource per dataset and shape, its path the file name
    a mirror writes (`responses.csv`, `responses-wide.csv`), its Table Schema typed."""
    return {
        "profile": "tabular-data-package",
        "name": f"{study}-savor".lower(),
        "title": f"Savor exports of study {study}",
        "resources": [
            {
                "name": resource.name,
                "path": resource.path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [_field(c) for c in columns],
                    "missingValues": [""],
                    **(
                        {"primaryKey": PRIMARY_KEYS[resource.name]}
                        if resource.name in PRIMARY_KEYS
                        else {}
                    ),
                },
            }
            for resource, columns in dictionary
        ],
    }
