"""Check-in instruments: questionnaires read from YAML and checked before anyone is asked them.

One file per instrument under `content/instruments`, named by its id. The items live in
`savor.ema.items` and the checks on answers in `savor.ema.answers`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, computed_field, field_validator, model_validator

from savor import content_loader
from savor.content_loader import ContentError, Problem
from savor.content_schema import Localized
from savor.ema.items import CheckInContent, Item
from savor.ema.questionnaires import Scoring, Source, scoring_problems

INSTRUMENTS_DIR = Path(__file__).resolve().parent.parent / "content" / "instruments"
InstrumentId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
QUESTIONNAIRE_FIELDS = ("kind", "intro", "source", "scoring")


class InstrumentError(ContentError):
    """Instrument content that must not reach her; `problems` holds one line per mistake,
    named by instrument and item rather than by file and list position."""


class Instrument(CheckInContent):
    id: InstrumentId
    version: int | str  # declared, and bumped when the wording changes
    title: Localized
    items: list[Item] = Field(min_length=1)
    # A questionnaire is a validated instrument asked in waves and scored (ema.questionnaires).
    kind: Literal["ema", "questionnaire"] = "ema"
    intro: Localized | None = None  # who sees her answers, and how fast
    source: Source | None = None
    scoring: Scoring | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def fingerprint(self) -> str:
        """Changes with any word or rule, even when someone forgot to bump `version`."""
        # A check-in instrument leaves the questionnaire fields out, so its fingerprint is the
        # one it had before questionnaires existed.
        unset = {f for f in QUESTIONNAIRE_FIELDS if getattr(self, f) in (None, "ema")}
        data = self.model_dump(mode="json", by_alias=True, exclude={"fingerprint", *unset})
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]

    def __reduce__(self) -> Any:
        # Sent with every check-in to the writer process: a shipped one goes by its id, which
        # that process (running the same release) loads from the same files.
        if default_instruments().get(self.id) is self:
            return (_shipped, (self.id,))
        return super().__reduce__()

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, version: Any) -> Any:
        # Checked before the int | str union, so a mistake gets one message and `true` is no 1.
        whole = isinstance(version, int) and not isinstance(version, bool) and version >= 1
        if not whole and not (isinstance(version, str) and SEMVER.match(version)):
            raise ValueError("must be a whole number from 1, or a version such as 1.2.0")
        return version

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"{self.id} has no item {item_id!r}")

    @model_validator(mode="after")
    def _check(self) -> Instrument:
        if problems := list(_instrument_problems(self)):
            raise ValueError("; ".join(problems))
        return self


def _instrument_problems(instrument: Instrument) -> Iterator[str]:
    yield from _questionnaire_problems(instrument)
    earlier: dict[str, Item] = {}
    for item in instrument.items:
        if item.id in earlier:
            yield f"item {item.id}: the id is used twice"
            continue
        condition = item.show_if
        if condition is not None and condition.item is not None:
            source = earlier.get(condition.item)
            if source is None:
                yield f"item {item.id}: show_if refers to {condition.item}, not an earlier item"
            elif bad := [v for v in condition.values if source.value_problem(v)]:
                yield (
                    f"item {item.id}: show_if compares {source.id} with {bad[0]!r}, which can "
                    f"never be its answer ({source.id} {source.value_problem(bad[0])})"
                )
        earlier[item.id] = item


def _questionnaire_problems(instrument: Instrument) -> Iterator[str]:
    if instrument.kind == "ema":
        if extra := [f for f in QUESTIONNAIRE_FIELDS[1:] if getattr(instrument, f) is not None]:
            yield f"{', '.join(extra)} only apply to an instrument of kind questionnaire"
        return
    missing = [f for f in QUESTIONNAIRE_FIELDS[1:] if getattr(instrument, f) is None]
    if missing:
        yield f"a questionnaire needs {' and '.join(missing)}"
    if instrument.scoring is not None and not missing:
        yield from scoring_problems(instrument.scoring, instrument.items)


def _describe(name: str, data: Mapping[str, Any], problem: Problem) -> str:
    loc = problem.loc
    where = f"instrument {name}"
    items = data.get("items")
    if loc[:1] == ("items",) and len(loc) > 1 and isinstance(loc[1], int):
        raw = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        item_id = raw.get("id") if isinstance(raw, dict) else None
        where += f", item {item_id or f'#{loc[1] + 1}'}"
        loc = loc[2:]
    field = content_loader.place(loc)
    return f"{where}{f' {field}' if field else ''}: {problem.message}"


def parse_instrument(data: Any, *, source: str) -> Instrument:
    """Validate one instrument's parsed YAML; every mistake is named by instrument and item."""
    if not isinstance(data, dict):
        raise InstrumentError([f"{source}: an instrument must be a YAML mapping"])
    name = data["id"] if isinstance(data.get("id"), str) else source
    try:
        return content_loader.validate(Instrument, data)
    except ContentError as exc:
        raise InstrumentError([_describe(name, data, p) for p in exc.found]) from exc


def shared_item_problems(instruments: Mapping[str, Instrument]) -> Iterator[str]:
    # The same id must be the same question everywhere, or S1 before a practice and S1 in a
    # random check-in could not be compared in the data.
    first: dict[str, tuple[str, dict[str, Any]]] = {}
    for instrument in instruments.values():
        for item in instrument.items:
            meaning = item.model_dump(exclude={"show_if", "required"})
            owner, seen = first.setdefault(item.id, (instrument.id, meaning))
            if seen != meaning:
                yield (
                    f"instrument {instrument.id}, item {item.id}: differs from {item.id} in "
                    f"{owner}; give a new question a new id"
                )


def load_instruments(directory: Path | None = None) -> dict[str, Instrument]:
    """Every instrument in `directory` (the shipped ones by default), or an InstrumentError
    listing every mistake found in any of them."""
    folder = directory or INSTRUMENTS_DIR
    instruments: dict[str, Instrument] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = content_loader.read_yaml(path.read_text("utf-8"), file=path.name)
            instrument = parse_instrument(data, source=path.stem)
        except ContentError as exc:
            problems += exc.problems
            continue
        if instrument.id != path.stem:
            problems.append(f"{path.name}: holds instrument {instrument.id}, expected {path.stem}")
        instruments[instrument.id] = instrument
    problems += shared_item_problems(instruments)
    if not instruments and not problems:
        problems.append(f"no instruments found in {folder}")
    if problems:
        raise InstrumentError(problems)
    return instruments


def _shipped(instrument_id: str) -> Instrument:
    return default_instruments()[instrument_id]


@cache
def default_instruments() -> dict[str, Instrument]:
    """The shipped instruments, read once: they only change with a deploy."""
    return load_instruments()
