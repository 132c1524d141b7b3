"""The 8-week program: what each week teaches, unlocks and suggests, read from YAML and
checked against the practices it names."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationInfo, model_validator

from savor import content_loader
from savor.content_schema import Audience, Frozen, Localized
from savor.practices.content import CONTENT_DIR, Practice


class PracticeRef(Frozen):
    id: str
    audience: Audience = "all"

    @model_validator(mode="before")
    @classmethod
    def _bare_id(cls, data: Any) -> Any:
        # Most references are for everyone, so the YAML may give just the id.
        return {"id": data} if isinstance(data, str) else data

    def shown_to(self, audience: Audience) -> bool:
        return "all" in (self.audience, audience) or self.audience == audience


class ProgramWeek(Frozen):
    number: int = Field(ge=1)
    maintenance: bool = False
    theme: Localized
    lesson: Localized
    daily_goal: Localized
    practice_days_goal: int = Field(ge=0, le=7)
    daily_minutes_goal: int = Field(ge=0)
    unlocks: list[PracticeRef] = Field(default_factory=list)
    core: list[PracticeRef] = Field(min_length=1)
    brief: list[PracticeRef] = Field(default_factory=list)

    def core_for(self, audience: Audience) -> list[str]:
        return [ref.id for ref in self.core if ref.shown_to(audience)]


class Program(Frozen):
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


def load_program(practices: Mapping[str, Practice], path: Path | None = None) -> Program:
    """The program in `path` (the shipped one by default), its references checked against
    `practices`; a ContentError lists every mistake."""
    path = path or CONTENT_DIR / "program.yaml"
    return content_loader.load(path, Program, context={"practices": practices})
