"""A study's view of the content: shipped practices, minus hidden, plus its own, with audio.

A protocol's program names practices, so whether it holds together is for the catalog to say:
`checked_protocol` is the protocol as parsed by studies, checked here against the practices.
"""

import json
from dataclasses import dataclass
from functools import lru_cache

from pydantic import ValidationError

from savor.practices.content import Practice
from savor.practices.program import Program
from savor.practices.shipped import default_catalog
from savor.studies.protocol import ProgramSettings, ProtocolDocument, ProtocolError, parse_protocol

AudioKey = tuple[str, str, str]  # practice id, variant key, language


@dataclass(frozen=True)
class StudyCatalog:
    practices: dict[str, Practice]
    program: Program
    extra_unlock_weeks: dict[str, int]
    audio: dict[AudioKey, str]

    def visible_to(self, practice: Practice, stage: str | None) -> bool:
        """Unknown stage sees everything; 'other' sees only what is for all mothers."""
        return "all" in practice.audience or stage is None or stage in practice.audience

    def unlock_week(self, practice_id: str, stage: str | None) -> int | None:
        if practice_id in self.extra_unlock_weeks:
            return self.extra_unlock_weeks[practice_id]
        for week in self.program.weeks:
            for ref in week.unlocks:
                if ref.id == practice_id and (
                    ref.audience == "all" or stage is None or ref.audience == stage
                ):
                    return week.number
        return None


def _extra_practices(program: ProgramSettings) -> tuple[dict[str, Practice], list[str]]:
    shipped = default_catalog().practices
    extras: dict[str, Practice] = {}
    problems: list[str] = []
    for i, extra in enumerate(program.extra_practices):
        where = f"program.extra_practices[{i}]"
        try:
            practice = Practice.model_validate(extra.practice)
        except ValidationError as exc:
            problems += [
                f"{where}.practice.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            ]
            continue
        if practice.id in shipped or practice.id in extras:
            problems.append(f"{where}: practice id {practice.id} is already taken")
        extras[practice.id] = practice
    return extras, problems


def program_problems(program: ProgramSettings) -> list[str]:
    """Mistakes in a protocol's program section, one line each, naming where they are."""
    shipped = default_catalog().practices
    extras, problems = _extra_practices(program)
    problems += [
        f"program.hidden_practices: no practice {pid}"
        for pid in program.hidden_practices
        if pid not in shipped
    ]
    known = shipped | extras
    for i, audio in enumerate(program.audio):
        practice = known.get(audio.practice)
        if practice is None:
            problems.append(f"program.audio[{i}]: no practice {audio.practice}")
        elif audio.variant not in {v.key for v in practice.variants}:
            keys = ", ".join(v.key for v in practice.variants)
            problems.append(
                f"program.audio[{i}]: {audio.practice} has no variant {audio.variant} ({keys})"
            )
    return problems


def checked_protocol(source: str) -> ProtocolDocument:
    """A protocol from a person, parsed and its program checked against the practices.

    Raises ProtocolError listing every problem; the program's come as one line about the
    whole protocol, and only once the rest of it is valid.
    """
    document = parse_protocol(source)
    problems = program_problems(document.program)
    if not problems and document.decisions is not None:
        offered = study_catalog(document.program).practices
        problems = [
            f"decisions.options: {o.id} offers {o.practice}, which this study does not have"
            for o in document.decisions.options
            if o.practice is not None and o.practice not in offered
        ]
    if problems:
        raise ProtocolError([f"protocol: {'; '.join(problems)}"])
    return document


@lru_cache(maxsize=64)
def _build(program_json: str) -> StudyCatalog:
    program = ProgramSettings.model_validate_json(program_json)
    shipped = default_catalog()
    extras, _ = _extra_practices(program)
    practices = {
        pid: p for pid, p in shipped.practices.items() if pid not in program.hidden_practices
    } | extras
    return StudyCatalog(
        practices=practices,
        program=shipped.program,
        extra_unlock_weeks={e.practice["id"]: e.unlock_week for e in program.extra_practices},
        audio={(a.practice, a.variant, a.language): a.file for a in program.audio},
    )


def study_catalog(program: ProgramSettings) -> StudyCatalog:
    """Built once per distinct program section: protocols change rarely, reads are constant."""
    return _build(json.dumps(program.model_dump(mode="json"), sort_keys=True))
