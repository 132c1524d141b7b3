"""Pure helpers: JSON values as the server's CSV cells, the kinds of values a column holds, and
rows merged by key."""

import re
from collections.abc import Collection, Iterable, Iterator
from typing import Any

# How rows of the known datasets are identified; a row that comes again replaces the earlier.
KEYS: dict[str, tuple[str, ...]] = {
    "responses": ("response_ref", "item_id"),
    "prompts": ("prompt_ref",),
    "practice_sessions": ("session_ref",),
    "participants": ("pseudonym",),
}
OWNER = "pseudonym"  # the column a deletion removes rows by
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})")


def cell(value: Any) -> str:
    """A JSON value as the server writes it in CSV: `true`/`false`, empty for missing, the
    choices of a list joined by `;`."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(cell(v) for v in value)
    return str(value)


def kind(value: Any) -> str | None:
    """What a JSON value is, in Table Schema's words; None for a missing value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        if DATE.fullmatch(value):
            return "date"
        return "datetime" if DATETIME.fullmatch(value) else "string"
    return "object"


def field(name: str, kinds: Collection[str]) -> dict[str, Any]:
    """A Table Schema field for a column that held values of these kinds."""
    found = set(kinds)
    if found == {"integer", "number"}:
        found = {"number"}
    if len(found) == 1:
        [only] = found
        if only == "boolean":
            return {
                "name": name,
                "type": "boolean",
                "trueValues": ["true"],
                "falseValues": ["false"],
            }
        if only == "list":
            return {"name": name, "type": "list", "delimiter": ";"}
        if only == "datetime":  # milliseconds and a Z or an offset: ISO 8601, not the default
            return {"name": name, "type": "datetime", "format": "any"}
        return {"name": name, "type": only}
    if found and found <= {"string", "date", "datetime"}:
        return {"name": name, "type": "string"}
    # Nothing seen yet, or answers of several kinds in one column (a long `value`).
    return {"name": name, "type": "any"}


def union(first: list[str], then: Iterable[str]) -> list[str]:
    """The columns of both, in the first's order, new ones after."""
    columns = list(first)
    for name in then:
        if name not in columns:
            columns.append(name)
    return columns


def key_of(row: dict[str, Any], key: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(cell(row.get(k)) for k in key)


def merged(
    *,
    header: list[str],
    old_header: list[str],
    old_rows: Iterable[list[str]],
    new_rows: Iterable[dict[str, Any]],
    replaced: Collection[tuple[str, ...]] | None,
    key: tuple[str, ...],
    deleted: Collection[str],
) -> Iterator[list[str]]:
    """The old rows not replaced nor deleted, then the new ones, all as cells under `header`.

    `replaced` holds the new rows' keys; None means the new rows are the whole dataset.
    """
    if replaced is not None and old_header:
        where = {c: i for i, c in enumerate(old_header)}
        take = [where.get(c) for c in header]
        at_key = [where[k] for k in key]
        owner = where.get(OWNER)
        for row in old_rows:
            if owner is not None and row[owner] in deleted:
                continue
            if tuple(row[i] for i in at_key) in replaced:
                continue
            yield [row[i] if i is not None else "" for i in take]
    for new in new_rows:
        if cell(new.get(OWNER)) not in deleted:
            yield [cell(new.get(c)) for c in header]
