"""Practice scripts and the 8-week program, read from YAML and checked before anyone hears them.

Only the default variant spells out each step. Another variant may give just ``{n, seconds}``:
any of ``key``, ``open``, ``text`` and ``alt`` it leaves out comes from the default variant's
step with the same ``n``, so a new timing never copies the script (and copies cannot drift).
A step of 0 seconds is left out of a variant when its steps are resolved.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    computed_field,
    model_validator,
)

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"

Audience = Literal["all", "pregnant", "postpartum"]
Anchor = Literal["breath", "sounds", "hands", "feet"]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ContentError(ValueError):
    """Content on disk that must not reach a listener."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedText(_Frozen):
    en: NonEmpty
    es: NonEmpty


class Step(_Frozen):
    n: int = Field(ge=1)
    seconds: int = Field(ge=0)
    key: str | None = None
    open: bool | None = None  # the ★ silent stretch, scaled between variants
    text: LocalizedText | None = None
    # Wording for one practice option (e.g. P09 "apart") where the usual text would not fit.
    alt: dict[str, LocalizedText] | None = None


class ResolvedStep(_Frozen):
    n: int
    key: str
    seconds: int
    open: bool
    text: LocalizedText
    alt: dict[str, LocalizedText]

    def text_for(self, option: str | None = None) -> LocalizedText:
        return self.alt.get(option, self.text) if option else self.text


class AudioTrack(_Frozen):
    language: Literal["en", "es"]
    voice: NonEmpty
    file: NonEmpty


class Variant(_Frozen):
    key: str
    duration_s: int = Field(gt=0)
    default: bool = False
    sleep: bool = False
    steps: list[Step] = Field(min_length=1)
    audio: list[AudioTrack] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _name_by_length(cls, data: Any) -> Any:
        # Length names a variant unless two share one (the P02 sleep ending sets its own key).
        if isinstance(data, dict) and "key" not in data and isinstance(data.get("duration_s"), int):
            seconds = data["duration_s"]
            return {**data, "key": f"{seconds // 60}min" if seconds % 60 == 0 else f"{seconds}s"}
        return data


class PracticeOption(_Frozen):
    key: NonEmpty
    label: LocalizedText


class TraumaOptions(_Frozen):
    eyes_open_ok: bool
    anchors: list[Anchor] = Field(min_length=1)


class EmaPlan(_Frozen):
    pre: list[str]
    post: list[str]


class TimerSettings(_Frozen):
    interval_bell_min: list[int]
    start_delay_s: list[int]
    custom_min_minutes: int = Field(ge=1)
    custom_max_minutes: int = Field(ge=1)


class Practice(_Frozen):
    id: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{1,15}$")]
    slug: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    title: LocalizedText
    summary: LocalizedText
    before_start: LocalizedText | None = None
    component: Literal["mindfulness", "reappraisal", "savoring"]
    tags: list[str]
    audience: list[Audience] = Field(min_length=1)
    trauma_options: TraumaOptions
    ema: EmaPlan
    options: list[PracticeOption] = Field(default_factory=list)
    timer: TimerSettings | None = None
    variants: list[Variant] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _drop_version(cls, data: Any) -> Any:
        # The version is derived from everything else, so a dumped practice reads back as is.
        return {k: v for k, v in data.items() if k != "version"} if isinstance(data, dict) else data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def version(self) -> str:
        """Changes with any word or second of the script, so a log says which one was heard."""
        data = self.model_dump(mode="json", exclude={"version"})
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]

    @property
    def default_variant(self) -> Variant:
        return self.variant()

    def variant(self, key: str | None = None) -> Variant:
        """The named variant, or the default one when no key is given."""
        for variant in self.variants:
            if variant.key == key or (key is None and variant.default):
                return variant
        raise KeyError(f"{self.id} has no variant {key!r}")

    def steps_for(self, key: str | None = None) -> list[ResolvedStep]:
        base = {step.n: step for step in self.default_variant.steps}
        return [_resolve(s, base[s.n]) for s in self.variant(key).steps if s.seconds > 0]

    @model_validator(mode="after")
    def _check(self) -> Practice:
        if problems := list(_practice_problems(self)):
            raise ValueError("; ".join(problems))
        return self


def _resolve(step: Step, base: Step) -> ResolvedStep:
    merged = base.model_dump(exclude_none=True) | step.model_dump(exclude_none=True)
    return ResolvedStep.model_validate({"open": False, "alt": {}} | merged)


def _dupes(values: list[str | None]) -> list[str]:
    return sorted({v for v in values if v and values.count(v) > 1})


def _practice_problems(p: Practice) -> Iterator[str]:
    defaults = [v for v in p.variants if v.default]
    if len(defaults) != 1:
        found = ", ".join(v.key for v in defaults) or "none"
        yield f"{p.id}: needs exactly one default variant, found {found}"
    yield from (f"{p.id}: variant {k} is listed twice" for k in _dupes([v.key for v in p.variants]))
    inheritable = {s.n for s in defaults[0].steps} if len(defaults) == 1 else None
    options = {o.key for o in p.options}
    for v in p.variants:
        where = f"{p.id} variant {v.key}"
        numbers = [s.n for s in v.steps]
        if numbers != list(range(1, len(numbers) + 1)):
            yield f"{where}: steps must be numbered 1..{len(numbers)} in order, got {numbers}"
        if (total := sum(s.seconds for s in v.steps)) != v.duration_s:
            yield f"{where}: step seconds add up to {total}, not duration_s {v.duration_s}"
        for s in v.steps:
            if v.default and (s.key is None or s.text is None):
                yield f"{where} step {s.n}: the default variant needs a key and a text"
            if not v.default and inheritable is not None and s.n not in inheritable:
                yield f"{where} step {s.n}: no step {s.n} in the default variant to inherit from"
            yield from (
                f"{where} step {s.n}: alt for unknown option {o!r}"
                for o in s.alt or {}
                if o not in options
            )
        yield from (
            f"{where}: step key {k} is used twice" for k in _dupes([s.key for s in v.steps])
        )


class PracticeRef(_Frozen):
    id: str
    audience: Audience = "all"

    @model_validator(mode="before")
    @classmethod
    def _bare_id(cls, data: Any) -> Any:
        # Most references are for everyone, so the YAML may give just the id.
        return {"id": data} if isinstance(data, str) else data

    def shown_to(self, audience: Audience) -> bool:
        return "all" in (self.audience, audience) or self.audience == audience


class ProgramWeek(_Frozen):
    number: int = Field(ge=1)
    maintenance: bool = False
    theme: LocalizedText
    lesson: LocalizedText
    daily_goal: LocalizedText
    practice_days_goal: int = Field(ge=0, le=7)
    daily_minutes_goal: int = Field(ge=0)
    unlocks: list[PracticeRef] = Field(default_factory=list)
    core: list[PracticeRef] = Field(min_length=1)
    brief: list[PracticeRef] = Field(default_factory=list)

    def core_for(self, audience: Audience) -> list[str]:
        return [ref.id for ref in self.core if ref.shown_to(audience)]


class Program(_Frozen):
    weeks: list[ProgramWeek] = Field(min_length=1)

    def week(self, number: int) -> ProgramWeek:
        """Every week past the end is the last (maintenance) entry."""
        return self.weeks[min(max(number, 1), len(self.weeks)) - 1]

    def unlocked(self, number: int, audience: Audience) -> list[str]:
        ids: list[str] = []
        for week in self.weeks[: max(number, 0)]:
            ids += [r.id for r in week.unlocks if r.shown_to(audience) and r.id not in ids]
        return ids

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> Program:
        # References are checked only when the catalog is passed in, as load_program always does.
        practices = (info.context or {}).get("practices")
        if problems := list(_program_problems(self, practices)):
            raise ValueError("; ".join(problems))
        return self


def _program_problems(program: Program, practices: Mapping[str, Practice] | None) -> Iterator[str]:
    numbers = [w.number for w in program.weeks]
    if numbers != list(range(1, len(numbers) + 1)):
        yield f"program: weeks must be numbered 1..{len(numbers)} in order, got {numbers}"
    if [w.number for w in program.weeks if w.maintenance] != numbers[-1:]:
        yield "program: the last week, and only the last, must be the maintenance entry"
    unlocked: set[str] = set()
    for week in program.weeks:
        unlocked |= {ref.id for ref in week.unlocks}
        for field, refs in (("unlocks", week.unlocks), ("core", week.core), ("brief", week.brief)):
            for ref in refs:
                where = f"program week {week.number} {field} {ref.id}"
                practice = (practices or {}).get(ref.id)
                if practices is not None and practice is None:
                    yield f"{where}: no such practice"
                elif practice and not {"all", ref.audience} & set(practice.audience):
                    yield f"{where}: listed for {ref.audience}, but it is for {practice.audience}"
                if ref.id not in unlocked:
                    yield f"{where}: not unlocked by week {week.number}"


def _read(path: Path, model: type[BaseModel], context: dict[str, Any] | None = None) -> Any:
    try:
        return model.model_validate(yaml.safe_load(path.read_text("utf-8")), context=context)
    except yaml.YAMLError as exc:
        raise ContentError(f"{path.name}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or model.__name__}: {e['msg']}" for e in exc.errors()
        )
        raise ContentError(f"{path.name}: {details}") from exc


def load_practices(directory: Path | None = None) -> dict[str, Practice]:
    practices: dict[str, Practice] = {}
    for path in sorted((directory or CONTENT_DIR / "practices").glob("*.yaml")):
        practice: Practice = _read(path, Practice)
        # One file per id keeps ids unique; a copied file that kept its old id is caught here.
        if practice.id != path.stem:
            raise ContentError(f"{path.name}: holds practice {practice.id}, expected {path.stem}")
        if clash := next((p.id for p in practices.values() if p.slug == practice.slug), None):
            raise ContentError(f"{path.name}: slug {practice.slug} is already used by {clash}")
        practices[practice.id] = practice
    if not practices:
        raise ContentError(f"no practices found in {directory}")
    return practices


def load_program(practices: Mapping[str, Practice], path: Path | None = None) -> Program:
    return _read(path or CONTENT_DIR / "program.yaml", Program, {"practices": practices})


class Catalog(NamedTuple):
    practices: dict[str, Practice]
    program: Program


@cache
def default_catalog() -> Catalog:
    """The shipped content, read once: it only changes with a deploy."""
    practices = load_practices()
    return Catalog(practices, load_program(practices))
