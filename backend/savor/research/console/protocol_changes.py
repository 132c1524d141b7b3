"""What a new protocol changes for participants, in the words a coordinator would use, and
its lines against the version in force."""

import difflib

from savor.research.console.models import DiffLine
from savor.studies.protocol import ProtocolDocument, Schedule

# A protocol change is planned in at each participant's next planned day.
FROM_WHEN = "from each participant's next planned day"


def _per_day(schedule: Schedule) -> int:
    if schedule.kind == "fixed":
        return len(schedule.times)
    return schedule.per_day if schedule.kind == "random" else 1


def _prompts_a_day(document: ProtocolDocument) -> float:
    """Prompts on a typical day: a schedule on fewer weekdays counts for its share."""
    return sum(_per_day(s) * len(s.days) / 7 for s in document.schedules)


def _count(n: float) -> str:
    whole = round(n, 1)
    return str(int(whole)) if whole == int(whole) else str(whole)


def _said(value: object) -> str:
    return (
        {True: "on", False: "off"}.get(value, str(value)) if isinstance(value, bool) else str(value)
    )


def changes(old: ProtocolDocument, new: ProtocolDocument) -> list[str]:
    said: list[str] = []
    before, after = _prompts_a_day(old), _prompts_a_day(new)
    if round(after - before, 1):
        more = "more" if after > before else "fewer"
        said.append(
            f"{_count(abs(after - before))} {more} prompt(s) a day ({_count(before)} → "
            f"{_count(after)}) {FROM_WHEN}."
        )
    olds = {s.id: s for s in old.schedules}
    news = {s.id: s for s in new.schedules}
    said += [
        f"New schedule '{i}' ({news[i].kind}, {news[i].instrument})."
        for i in news.keys() - olds.keys()
    ]
    said += [
        f"Schedule '{i}' stops: its prompts not yet sent are cancelled."
        for i in olds.keys() - news.keys()
    ]
    for i in sorted(olds.keys() & news.keys()):
        a, b = olds[i], news[i]
        if a.expires_minutes != b.expires_minutes:
            said.append(
                f"'{i}' check-ins stay open {b.expires_minutes} minutes (was {a.expires_minutes})."
            )
        if a.reminder_minutes != b.reminder_minutes:
            said.append(
                f"'{i}' reminder after {b.reminder_minutes} minutes (was {a.reminder_minutes})."
            )
    if old.program.weeks != new.program.weeks:
        said.append(f"The program lasts {new.program.weeks} weeks (was {old.program.weeks}).")
    for name, value in new.features.model_dump().items():
        was = old.features.model_dump().get(name)
        if value != was:
            note = (
                " (participants who joined earlier keep it off until they agree)"
                if value is True
                else ""
            )
            said.append(f"Feature '{name}': {_said(was)} → {_said(value)}{note}.")
    if set(old.instruments) != set(new.instruments):
        said.append(f"Instruments: {', '.join(new.instruments)}.")
    if old.contact != new.contact or old.crisis_resources != new.crisis_resources:
        said.append("The contact and help page in the app changes.")
    if old.decisions != new.decisions:
        said.append("The offers made after a check-in (the decision rules) change.")
    if old.languages != new.languages:
        said.append(f"Languages offered: {', '.join(new.languages)}.")
    if old.enrollment_code_days != new.enrollment_code_days:
        said.append(
            f"New enrollment codes last {new.enrollment_code_days} days (none for participants)."
        )
    return said or ["Nothing changes for participants."]


def diff(old: str, new: str) -> list[DiffLine]:
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2)
    out = []
    for line in list(lines)[2:]:  # the two file-name lines say nothing here
        op = "@" if line.startswith("@@") else line[:1]
        out.append(DiffLine(op=op, text=line if op == "@" else line[1:]))
    return out
