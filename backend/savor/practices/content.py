"""Practice scripts, read from YAML and checked before anyone hears them.

Only the default variant spells out each step. Another variant may give just ``{n, seconds}``:
any of ``key``, ``open``, ``text`` and ``alt`` it leaves out comes from the default variant's
step with the same ``n``, so a new timing never copies the script (and copies cannot drift).
A step of 0 seconds is left out of a variant when its steps are resolved.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, computed_field, model_validator

from savor import content_loader
from savor.content_loader import ContentError, Problem
from savor.content_schema import Audience, Frozen, Localized, NonEmpty

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"

Anchor = Literal["breath", "sounds", "hands", "feet"]


class Step(Frozen):
    n: int = Field(ge=1)
    seconds: int = Field(ge=0)
    key: str | None = None
    open: bool | None = None  # the ★ silent stretch, scaled between variants
    text: Localized | None = None
    # Wording for one practice option (e.g. P09 "apart") where the usual text would not fit.
    alt: dict[str, Localized] | None = None


class ResolvedStep(Frozen):
    n: int
    key: str
    seconds: int
    open: bool
    text: Localized
    alt: dict[str, Localized]

    def text_for(self, option: str | None = None) -> Localized:
        return self.alt.get(option, self.text) if option else self.text


class AudioTrack(Frozen):
    language: Literal["en", "es"]
    voice: NonEmpty
    file: NonEmpty


class Variant(Frozen):
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


class PracticeOption(Frozen):
    key: NonEmpty
    label: Localized


class TraumaOptions(Frozen):
    eyes_open_ok: bool
    anchors: list[Anchor] = Field(min_length=1)


class EmaPlan(Frozen):
    pre: list[str]
    post: list[str]


class TimerSettings(Frozen):
    interval_bell_min: list[int]
    start_delay_s: list[int]
    custom_min_minutes: int = Field(ge=1)
    custom_max_minutes: int = Field(ge=1)


class Practice(Frozen):
    id: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{1,15}$")]
    slug: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    title: Localized
    summary: Localized
    before_start: Localized | None = None
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


def load_practices(directory: Path | None = None) -> dict[str, Practice]:
    """Every practice in `directory` (the shipped ones by default), or a ContentError listing
    every mistake found in any of them."""
    folder = directory or CONTENT_DIR / "practices"
    practices: dict[str, Practice] = {}
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            practice = content_loader.load(path, Practice)
        except ContentError as exc:
            problems += exc.found
            continue
        # One file per id keeps ids unique; a copied file that kept its old id is caught here.
        if practice.id != path.stem:
            problems.append(
                Problem(path.name, (), f"holds practice {practice.id}, expected {path.stem}")
            )
        elif clash := next((p.id for p in practices.values() if p.slug == practice.slug), None):
            problems.append(
                Problem(path.name, (), f"slug {practice.slug} is already used by {clash}")
            )
        else:
            practices[practice.id] = practice
    if not practices and not problems:
        problems.append(Problem("", (), f"no practices found in {folder}"))
    if problems:
        raise ContentError(problems)
    return practices
