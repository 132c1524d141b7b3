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
from sqlmodel import Session, col, select

from savor.ema.models import Prompt
from savor.practices import progress
from savor.practices.models import PracticeSession
from savor.research.anonymize import (
    Anonymizer,
    date_text,
    local_columns,
    local_hour,
    local_text,
    utc_text,
)
from savor.research.cursor import pages
from savor.studies.history import History, State
from savor.studies.models import Participant, ParticipantState

# A page of a dataset's rows, each a dict by column name; writers.as_groups makes it a Page.
Records = list[dict[str, Any]]
PROMPT_TIMES = ("scheduled_at", "expires_at", "sent_at", "reminded_at", "opened_at")
PROMPT_TIMES += ("completed_at", "expired_at", "cancelled_at")


@dataclass(frozen=True)
class ExportWindow:
    """What one export reads: whose rows, which window of changes, and how they are
    disguised."""

    study_id: Any
    since: int
    until: int
    # The study's participants and their histories (zone, stage, waking window from each
    # moment on), read once the window is fixed: every row below the horizon belongs to one
    # of them, and each row's zone is looked up in hers at the row's own moment.
    people: dict[Any, History]
    anonymizer: Anonymizer
    free_text: bool
    item_types: dict[tuple[str, str, str], str]
    # How many weeks the study's program has (the protocol's program.weeks).
    program_weeks: int = 8
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


def times(
    row: dict[str, Any], at: dict[str, Any], zone: str, weeks: int, main: str | None = None
) -> None:
    """Fill each named time's columns into `row` (see columns._times): _utc, then _local,
    _local_wall and _utc_offset_min in `zone`, and _local_hour for the `main` one."""
    for name, value in at.items():
        row[f"{name}_utc"] = utc_text(value, weeks)
    for name, value in at.items():
        local = row[f"{name}_local"] = local_text(value, zone, weeks)
        row[f"{name}_local_wall"], row[f"{name}_utc_offset_min"] = local_columns(local)
        if name == main:
            row[f"{name}_local_hour"] = local_hour(local)


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
        history = window.people[p.id]
        # Each time in the zone in force at it: she may have moved between the two.
        enrolled_zone = history.zone_at(p.enrolled_at)
        times(row, {"enrolled_at": p.enrolled_at}, enrolled_zone, weeks)
        times(row, {"withdrawn_at": p.withdrawn_at}, history.zone_at(p.withdrawn_at), weeks)
        row.update(enrolled_timezone=enrolled_zone, timezone=p.timezone, stage=p.stage)
        return {**row, "language": p.language}

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
        # A prompt belongs to the zone she was in when it was due.
        zone = window.people[p.participant_id].zone_at(p.scheduled_at)
        times(row, {n: getattr(p, n) for n in PROMPT_TIMES}, zone, weeks, "scheduled_at")
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


def _practice_row(window: ExportWindow, s: PracticeSession, history: History) -> dict[str, Any]:
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
    # A session belongs to the zone she was in when she started it; so does its day.
    zone = history.zone_at(s.started_at)
    times(row, at, zone, weeks, "started_at")
    row.update(timezone=zone, local_date=row["started_at_local"][:10])
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


SETTINGS = ("timezone", "stage", "wake_time", "sleep_time")


def participant_states(session: Session, window: ExportWindow) -> Iterator[Records]:
    """Her changes of settings in the window, and with them her program calendar.

    A change of zone can move every later week's turnover, so whenever a pull holds a change
    of hers it also holds the start of each of her program weeks, worked out from all her
    changes below the horizon: keyed by `<pseudonym>-W<n>`, the latest copy is the true one.
    A study's changes are few (one at enrollment, one per change of settings): they are read
    at once, not page by page.
    """
    query = (
        select(ParticipantState, Participant.enrolled_at)
        .join(Participant, col(Participant.id) == ParticipantState.participant_id)
        .where(Participant.study_id == window.study_id, col(ParticipantState.seq) < window.until)
        .order_by(
            col(ParticipantState.participant_id), col(ParticipantState.at), ParticipantState.seq
        )
    )
    mine: dict[Any, list[ParticipantState]] = {}
    enrolled: dict[Any, Any] = {}
    for state, enrolled_at in session.exec(query):
        mine.setdefault(state.participant_id, []).append(state)
        enrolled[state.participant_id] = enrolled_at
    changed = [
        (min(s.seq or 0 for s in states if (s.seq or 0) >= window.since), who)
        for who, states in mine.items()
        if any((s.seq or 0) >= window.since for s in states)
    ]
    weeks = window.program_weeks
    for _, who in sorted(changed, key=lambda c: (c[0], str(c[1]))):
        yield _state_rows(window, mine[who], enrolled[who], weeks)


def _state_rows(
    window: ExportWindow, rows: list[ParticipantState], enrolled_at: Any, weeks: int
) -> Records:
    name, weeks_back = window.anonymizer.person(rows[0].participant_id)
    history = History.of(State(r.at, r.timezone, r.stage, r.wake_time, r.sleep_time) for r in rows)
    starts = progress.week_starts(enrolled_at=enrolled_at, history=history, weeks=weeks)

    def record(at: Any, state: State, ref: str | None, change: str, changed: str) -> dict:
        row: dict[str, Any] = {"pseudonym": name, "state_ref": ref, "change": change}
        row["changed"] = changed
        times(row, {"at": at}, state.timezone, weeks_back, "at")
        row.update({n: getattr(state, n) for n in SETTINGS})
        row["wake_time"] = state.wake_time.isoformat()
        row["sleep_time"] = state.sleep_time.isoformat()
        return {**row, "program_week": progress.week_at(starts, at)}

    out: list[tuple[Any, dict[str, Any]]] = []
    before: State | None = None
    for stored, state in zip(rows, history.states, strict=True):
        if (stored.seq or 0) >= window.since:
            ref = window.anonymizer.ref("T", stored.id)
            if before is None:
                out.append((state.at, record(state.at, state, ref, "enrolled", "")))
            else:
                what = " ".join(n for n in SETTINGS if getattr(state, n) != getattr(before, n))
                out.append((state.at, record(state.at, state, ref, "settings", what)))
        before = state
    for week, start in enumerate(starts, start=2):
        ref = f"{name}-W{week}"
        out.append((start, record(start, history.at(start), ref, "program_week", "program_week")))
    return [row for _, row in sorted(out, key=lambda pair: pair[0])]
