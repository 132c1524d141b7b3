"""Rows of the participants, prompts and practice_sessions datasets, a page at a time.

Read-only over the other domains' tables: exports are the research domain's view of them.
Nothing leaves here that could identify her: pseudonyms and keyed refs instead of ids, no
tokens, devices, client ids or addresses, and every date shifted when the protocol says so.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Row
from sqlmodel import Session, select

from savor.ema.models import Prompt
from savor.practices.models import PracticeSession
from savor.research.anonymize import Anonymizer, date_text, local_text, utc_text
from savor.research.cursor import pages
from savor.studies.models import Participant

# A page of a dataset's rows, each a dict by column name; writers.as_groups makes it a Page.
Records = list[dict[str, Any]]
PROMPT_TIMES = ("scheduled_at", "expires_at", "sent_at", "reminded_at")
PROMPT_TIMES += ("delivered_at", "shown_at", "clicked_at", "dismissed_at", "opened_at")
PROMPT_TIMES += ("completed_at", "expired_at", "cancelled_at")


@dataclass(frozen=True)
class ExportWindow:
    """What one export reads: whose rows, which window of changes, and how they are
    disguised."""

    study_id: Any
    since: int
    until: int
    # The study's participants and their zones now, read once the window is fixed: every row
    # below the horizon belongs to one of them.
    people: dict[Any, str]
    anonymizer: Anonymizer
    free_text: bool
    item_types: dict[tuple[str, str, str], str]
    _kinds: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict, compare=False)

    def withheld(self, instrument: str | None, version: str | None, item_id: str) -> bool:
        # Free text can name her; an item the codebook does not know is treated the same way.
        kind = self.item_types.get((instrument or "", version or "", item_id), "text")
        return kind == "text" and not self.free_text

    def kinds(self, instrument: str, version: str) -> dict[str, str]:
        """One instrument version's item types by item id, looked up once per export."""
        key = (instrument, version)
        if key not in self._kinds:
            found = {i: k for (n, v, i), k in self.item_types.items() if (n, v) == key}
            self._kinds[key] = found
        return self._kinds[key]


def times(row: dict[str, Any], at: dict[str, Any], zone: str, weeks: int) -> None:
    """Fill the _utc and then the _local column of each named time into `row`."""
    for name, value in at.items():
        row[f"{name}_utc"] = utc_text(value, weeks)
    for name, value in at.items():
        row[f"{name}_local"] = local_text(value, zone, weeks)


def _record(row: Row[Any], table: Any) -> Any:
    """The table's object in a row of `select(table)`, by the name SQLAlchemy gives it."""
    return getattr(row, table.__name__)


def paged(
    session: Session,
    window: ExportWindow,
    query: Select[Any],
    table: Any,
    convert: Callable[[Any], dict[str, Any]],
) -> Iterator[Records]:
    """The study's rows of `table`, converted, a page at a time.

    The study is picked out here rather than in SQL on purpose: with a join on the study in
    the query, SQLite and PostgreSQL start from the study's participants and sort all of
    their rows for every page; without it, the only plan left walks the (seq, id) index in
    order and stops after a page, whatever the size of the export.
    """
    keyset = {"seq": table.seq, "key": table.id, "since": window.since, "until": window.until}
    for rows in pages(session, query, **keyset):
        records = (_record(r, table) for r in rows)
        yield [convert(r) for r in records if r.participant_id in window.people]


def participants(session: Session, window: ExportWindow) -> Iterator[Records]:
    # A study's own participants are few: filtering them in SQL costs nothing.
    def convert(p: Participant) -> dict[str, Any]:
        name, weeks = window.anonymizer.person(p.id)
        row = {"pseudonym": name, "status": "withdrawn" if p.withdrawn_at else "active"}
        at = {"enrolled_at": p.enrolled_at, "withdrawn_at": p.withdrawn_at}
        times(row, at, p.timezone, weeks)
        return {**row, "timezone": p.timezone, "language": p.language}

    query = select(Participant).where(Participant.study_id == window.study_id)
    keyset = {"seq": Participant.seq, "key": Participant.id}
    for rows in pages(session, query, since=window.since, until=window.until, **keyset):
        yield [convert(_record(r, Participant)) for r in rows]


def prompts(session: Session, window: ExportWindow) -> Iterator[Records]:
    def convert(p: Prompt) -> dict[str, Any]:
        name, weeks = window.anonymizer.person(p.participant_id)
        row: dict[str, Any] = {
            "pseudonym": name,
            "prompt_ref": window.anonymizer.ref("Q", p.id),
            "schedule_id": p.schedule_id,
            "prompt_kind": p.kind,
            "instrument_id": p.instrument_id,
            "instrument_version": p.instrument_version,
            "protocol_version": p.protocol_version,
            "local_date": date_text(p.local_date, weeks),
            "status": p.status,
            "answered_late": p.answered_late,
        }
        zone = window.people[p.participant_id]
        times(row, {n: getattr(p, n) for n in PROMPT_TIMES}, zone, weeks)
        return {**row, "timezone": zone}

    return paged(session, window, select(Prompt), Prompt, convert)


def ratings(
    window: ExportWindow, prefix: str, instrument: str | None, version: str | None, answers: Any
) -> dict[str, Any]:
    """Before/after answers as `pre_S1`-style columns and the ids she declined."""
    row: dict[str, Any] = {f"{prefix}_declined": None}
    declined = []
    for answer in answers or []:
        item_id = answer.get("item_id")
        if not isinstance(item_id, str) or window.withheld(instrument, version, item_id):
            continue
        if answer.get("declined"):
            declined.append(item_id)
        else:
            row[f"{prefix}_{item_id}"] = answer.get("value")
    row[f"{prefix}_declined"] = " ".join(declined) or None
    return row


def _practice_row(window: ExportWindow, s: PracticeSession, zone: str) -> dict[str, Any]:
    name, weeks = window.anonymizer.person(s.participant_id)
    row: dict[str, Any] = {
        "pseudonym": name,
        "session_ref": window.anonymizer.ref("S", s.id),
        "practice_id": s.practice_id,
        "practice_version": s.practice_version,
        "variant": s.variant,
        "option": s.option,
        "trigger": s.trigger,
        "rule": s.rule,
        "prompt_ref": window.anonymizer.ref("Q", s.prompt_id),
        "completed": s.completed,
        "seconds_practiced": s.seconds_practiced,
        "steps_completed": s.steps_completed,
    }
    at = {"started_at": s.started_at, "ended_at": s.ended_at, "received_at": s.received_at}
    times(row, at, zone, weeks)
    row.update(timezone=zone, local_date=date_text(s.local_date, weeks))
    row.update(program_week=s.program_week, protocol_version=s.protocol_version)
    for prefix in ("pre", "post"):
        column = f"{prefix}_instrument"
        instrument = row[column] = getattr(s, column)
        version = row[f"{column}_version"] = getattr(s, f"{column}_version")
        row.update(ratings(window, prefix, instrument, version, getattr(s, prefix)))
    return row


def practice_sessions(session: Session, window: ExportWindow) -> Iterator[Records]:
    def convert(s: PracticeSession) -> dict[str, Any]:
        return _practice_row(window, s, window.people[s.participant_id])

    return paged(session, window, select(PracticeSession), PracticeSession, convert)
