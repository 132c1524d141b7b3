"""Content read from YAML and checked with its model, every problem named by its place.

One reader for practices, the program, check-in instruments and study protocols. A problem
reads `file: path.to.key: message`; a surface with its own wording (the protocol's API
answer) renders the same structured problems its own way.

YAML anchors and aliases (`&name`, `*name`) are refused: content is written out in full,
so what a person reads in the file is what she is shown, and one anchor reused 500 times
cannot turn a 39 KB upload into a 10 MB document that every phone then downloads.
"""

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)
Loc = tuple[int | str, ...]


class Problem(NamedTuple):
    """One mistake: the file it is in ("" for text that came from elsewhere), the key path
    within it (() for the whole document) and what is wrong."""

    file: str
    loc: Loc
    message: str

    @property
    def place(self) -> str:
        """The key path as `schedules[0].per_day`."""
        return place(self.loc)

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.place, self.message) if part)


class ContentError(ValueError):
    """Content that must not be used; `problems` holds one line per mistake, `found` the same
    mistakes as Problems."""

    def __init__(self, problems: Iterable[Problem | str]) -> None:
        listed = list(problems)
        self.found = [p if isinstance(p, Problem) else Problem("", (), p) for p in listed]
        self.problems = [str(p) for p in listed]
        super().__init__("; ".join(self.problems))


def place(loc: Loc) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


class _AliasRefused(yaml.MarkedYAMLError):
    pass


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _AliasRefused(problem_mark=event.start_mark)
        return super().compose_node(parent, index)


def _at(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def read_yaml(text: str, *, file: str = "") -> Any:
    """The YAML text's data; a ContentError naming the line of a syntax mistake ("not valid
    YAML at ..."), an anchor or an alias ("uses a YAML anchor or alias ...")."""
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # a SafeLoader: plain data only
    except _AliasRefused as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        refused = f"uses a YAML anchor or alias (&name / *name) at line {line}"
        message = f"{refused}; write each value out instead"
        raise ContentError([Problem(file, (), message)]) from exc
    except yaml.YAMLError as exc:
        raise ContentError([Problem(file, (), f"not valid YAML{_at(exc)}")]) from exc


def problems_in(exc: ValidationError, *, file: str = "") -> list[Problem]:
    """A pydantic error's mistakes, each with its place and without pydantic's prefix."""
    return [
        Problem(file, tuple(e["loc"]), str(e["msg"]).removeprefix("Value error, "))
        for e in exc.errors()
    ]


def validate(
    model: type[Model], data: Any, *, file: str = "", context: Mapping[str, Any] | None = None
) -> Model:
    """`data` as a `model`, or a ContentError listing every mistake with its place."""
    if not isinstance(data, dict):
        raise ContentError([Problem(file, (), "must be a YAML mapping (key: value lines)")])
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise ContentError(problems_in(exc, file=file)) from exc


def load(path: Path, model: type[Model], *, context: Mapping[str, Any] | None = None) -> Model:
    """The file's content as a `model`; a ContentError names the file in every problem."""
    data = read_yaml(path.read_text("utf-8"), file=path.name)
    return validate(model, data, file=path.name, context=context)
