"""A REDCap data dictionary (CSV) turned into a Savor instrument, with a list of what could not
be carried over; pure, no storage.

REDCap's field types map as: radio and dropdown to likert (whole-number codes in increasing
order) or single_choice (other codes, as keys); checkbox to multiple_choice; yesno and
truefalse to yes_no (REDCap's 1/0 become true/false); slider to a 0-10 rating when its range
is 0-10, else to a number; text to a number when validated as integer or number, else to
(sensitive) free text, as notes are; descriptive text and calculated, file, signature and
other fields have no Savor equivalent and are listed. Branching logic of the simple
`[field] = 'value'` kind (several joined by `or` on one field) becomes show_if; anything else
is listed. REDCap holds one language, so each Spanish text starts as a copy of the English to
be translated.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

REQUIRED = ("Variable / Field Name", "Form Name", "Field Type", "Field Label")
CHOICES = "Choices, Calculations, OR Slider Labels"
VALIDATION = "Text Validation Type OR Show Slider Number"
BRANCHING = "Branching Logic (Show field only if...)"
ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
SIMPLE_TEST = re.compile(r"""^\s*\[([a-z][a-z0-9_]*)\]\s*=\s*(?:'([^']*)'|"([^"]*)"|(\S+))\s*$""")
TAGS = re.compile(r"<[^>]+>")
NO_EQUIVALENT = ("descriptive", "calc", "file", "signature", "sql", "dynamic")


class DictionaryError(ValueError):
    """A file that is not a REDCap data dictionary at all."""


@dataclass
class Imported:
    instrument: dict[str, Any]
    not_carried: list[str] = field(default_factory=list)


def _both(text: str) -> dict[str, str]:
    return {"en": text, "es": text}


def _plain(text: str) -> str:
    return " ".join(TAGS.sub(" ", text or "").split())


def _choices(raw: str) -> list[tuple[str, str]]:
    pairs = []
    for part in (raw or "").split("|"):
        code, _, label = part.strip().partition(",")
        if code.strip():
            pairs.append((code.strip(), _plain(label) or code.strip()))
    return pairs


def _key(code: str) -> str:
    return code if ID_PATTERN.match(code) else f"c{re.sub(r'[^A-Za-z0-9_]', '_', code)}"


def _whole(codes: list[str]) -> list[int] | None:
    if not all(re.fullmatch(r"-?\d+", c) for c in codes):
        return None
    values = [int(c) for c in codes]
    return values if values == sorted(set(values)) else None


class _Converter:
    def __init__(self) -> None:
        self.not_carried: list[str] = []
        self.items: list[dict[str, Any]] = []
        # REDCap code → Savor value, per variable, for branching on it.
        self.codes: dict[str, dict[str, Any]] = {}

    def lost(self, name: str, why: str) -> None:
        self.not_carried.append(f"{name}: {why}")

    def item(self, row: dict[str, str]) -> None:
        name = row["Variable / Field Name"].strip()
        kind = row["Field Type"].strip().lower()
        label = _plain(row["Field Label"])
        if kind in NO_EQUIVALENT or kind not in CONVERT:
            self.lost(name, f"a {kind or 'typeless'} field has no Savor equivalent; left out")
            return
        if (row.get("Identifier?") or "").strip().lower() == "y":
            self.lost(name, "marked as an identifier: Savor never asks for one; left out")
            return
        if not ID_PATTERN.match(name):
            self.lost(name, "not a usable item id (letters, digits, _; at most 40); left out")
            return
        item: dict[str, Any] = {"id": name, "text": _both(label or name)}
        if not CONVERT[kind](self, name, row, item):
            return
        if note := _plain(row.get("Field Note", "")):
            item["help"] = _both(note)
        if (row.get("Required Field?") or "").strip().lower() == "y":
            item["required"] = True
        if row.get("Matrix Group Name", "").strip():
            self.lost(name, "part of a matrix group: asked as its own question")
        self._branching(name, row.get(BRANCHING, ""), item)
        self.items.append(item)

    def _branching(self, name: str, logic: str, item: dict[str, Any]) -> None:
        logic = logic.strip()
        if not logic:
            return
        tests = [SIMPLE_TEST.match(part) for part in re.split(r"\s+or\s+", logic)]
        sources = {t.group(1) for t in tests if t}
        if not all(tests) or len(sources) != 1 or next(iter(sources)) not in self.codes:
            self.lost(
                name,
                f"branching logic {logic!r} is not [field] = 'value' on an earlier "
                "field; shown always",
            )
            return
        source = next(iter(sources))
        wanted = [t.group(2) or t.group(3) or t.group(4) for t in tests if t]
        known = self.codes[source]
        if any(w not in known for w in wanted):
            self.lost(name, f"branching logic {logic!r} names a value {source} cannot have")
            return
        values = [known[w] for w in wanted]
        item["show_if"] = (
            {"item": source, "equals": values[0]}
            if len(values) == 1
            else {"item": source, "in": values}
        )


def _choice(conv: _Converter, name: str, row: dict[str, str], item: dict[str, Any]) -> bool:
    pairs = _choices(row.get(CHOICES, ""))
    if not pairs:
        conv.lost(name, "a choice field without choices; left out")
        return False
    whole = _whole([c for c, _ in pairs])
    if whole is not None:
        item["type"] = "likert"
        item["options"] = [
            {"value": v, "label": _both(lab)} for v, (_, lab) in zip(whole, pairs, strict=True)
        ]
        conv.codes[name] = {c: v for v, (c, _) in zip(whole, pairs, strict=True)}
        return True
    item["type"] = "single_choice"
    item["options"] = [{"key": _key(c), "label": _both(lab)} for c, lab in pairs]
    conv.codes[name] = {c: _key(c) for c, _ in pairs}
    if any(_key(c) != c for c, _ in pairs):
        conv.lost(name, "choice codes that are not item-style keys were renamed (e.g. 1 to c1)")
    return True


def _checkbox(conv: _Converter, name: str, row: dict[str, str], item: dict[str, Any]) -> bool:
    pairs = _choices(row.get(CHOICES, ""))
    if not pairs:
        conv.lost(name, "a checkbox field without choices; left out")
        return False
    item["type"] = "multiple_choice"
    # A numeric code n becomes key cn, which the REDCap dictionary and export turn back into
    # n: the checkbox keeps its name___n columns both ways (research/redcap.py).
    item["options"] = [{"key": _key(c), "label": _both(lab)} for c, lab in pairs]
    if not all(re.fullmatch(r"\d+", c) for c, _ in pairs):
        conv.lost(
            name,
            "checkbox codes that are not whole numbers became choice keys; the REDCap export "
            "numbers them 1, 2, ... in their order",
        )
    return True


def _yes_no(conv: _Converter, name: str, row: dict[str, str], item: dict[str, Any]) -> bool:
    item["type"] = "yes_no"
    conv.codes[name] = {"1": True, "0": False}
    return True


def _slider(conv: _Converter, name: str, row: dict[str, str], item: dict[str, Any]) -> bool:
    low = (row.get("Text Validation Min") or "0").strip()
    high = (row.get("Text Validation Max") or "100").strip()
    labels = [lab.strip() for lab in (row.get(CHOICES) or "").split("|")]
    if (low, high) == ("0", "10"):
        item["type"] = "rating"
        item["min_label"] = _both(_plain(labels[0]) if labels and labels[0] else "0")
        item["max_label"] = _both(_plain(labels[-1]) if labels and labels[-1] else "10")
        if len(labels) == 3:
            conv.lost(name, "the slider's middle label has no place on a Savor rating")
        return True
    item.update(type="number", min=float(low), max=float(high))
    conv.lost(name, f"a {low}-{high} slider became a number item; its labels are dropped")
    return True


def _text(conv: _Converter, name: str, row: dict[str, str], item: dict[str, Any]) -> bool:
    validation = (row.get(VALIDATION) or "").strip().lower()
    if validation in ("integer", "number") or validation.startswith("number_"):
        low = (row.get("Text Validation Min") or "").strip()
        high = (row.get("Text Validation Max") or "").strip()
        item["type"] = "number"
        item["min"] = float(low) if low else None
        item["max"] = float(high) if high else None
        if not low or not high:
            conv.lost(name, "a number without min and max: Savor asks for both; set them")
            return False
        return True
    if validation:
        conv.lost(name, f"its {validation} validation is not carried: asked as free text")
    return _notes(conv, name, row, item)


def _notes(conv: _Converter, name: str, row: dict[str, str], item: dict[str, Any]) -> bool:
    item.update(type="text", sensitive=True)
    return True


CONVERT = {
    "radio": _choice,
    "dropdown": _choice,
    "checkbox": _checkbox,
    "yesno": _yes_no,
    "truefalse": _yes_no,
    "slider": _slider,
    "text": _text,
    "notes": _notes,
}


def import_dictionary(text: str, *, form: str | None = None) -> Imported:
    """The instrument of one form of the dictionary (the first, unless `form` names one)."""
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    header = rows[0].keys() if rows else []
    if missing := [h for h in REQUIRED if h not in header]:
        raise DictionaryError(f"not a REDCap data dictionary: no {', '.join(missing)} column")
    forms = list(dict.fromkeys(r["Form Name"].strip() for r in rows))
    chosen = form or forms[0]
    if chosen not in forms:
        raise DictionaryError(f"no form {chosen!r}; the dictionary has {', '.join(forms)}")
    conv = _Converter()
    record_id = rows[0]["Variable / Field Name"].strip()
    conv.lost(record_id, "the record ID: Savor keys every answer set itself; left out")
    conv.not_carried += [
        f"form {f}: not imported (choose it with --form)" for f in forms if f != chosen
    ]
    for row in rows[1:]:
        if row["Form Name"].strip() == chosen:
            conv.item(row)
    if not conv.items:
        raise DictionaryError(f"form {chosen!r} has no field Savor can ask")
    conv.not_carried.append("every text is in English only: translate each 'es' before use")
    instrument_id = re.sub(r"[^a-z0-9_]", "_", chosen.lower())[:40]
    title = chosen.replace("_", " ").strip().capitalize()
    instrument = {"id": instrument_id, "version": 1, "title": _both(title), "items": conv.items}
    return Imported(instrument=instrument, not_carried=conv.not_carried)
