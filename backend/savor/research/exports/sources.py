"""Rows of the participants, prompts and practice_sessions datasets, a page at a time.

Read-only over the other domains' tables: exports are the research domain's view of them.
Nothing leaves here that could identify her: pseudonyms and keyed refs instead of ids, no
tokens, devices, client ids or addresses, and every date shifted when the protocol says so.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Row
from sqlmodel import Session, col, select

from savor.ema.models import Offer, Prompt, Response
from savor.practices import progress
from savor.practices.catalog import StudyCatalog
from savor.practices.models import PracticeSession
from savor.practices.service import is_unlocked
from savor.research.anonymize import (
    Anonymizer,
    date_text,
    local_columns,
    local_hour,
    local_text,
    utc_text,
)
from savor.research.cursor import pages
from savor.studies.decision_rules import Decisions
from savor.studies.history import History, State
from savor.studies.models import Participant, ParticipantState

# A page of a dataset's rows, each a dict by column name; writers.as_groups makes it a Page.
Records = list[dict[str, Any]]
PROMPT_TIMES = ("scheduled_at", "expires_at", "sent_at", "first_reminded_at", "reminded_at")
PROMPT_TIMES += ("delivered_at", "shown_at", "clicked_at", "dismissed_at", "opened_at")
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
    item_positions: dict[tuple[str, str, str], int] = field(default_factory=dict)
    # For practice sessions: each protocol version's catalog, to tell (with her stage then,
    # from her history) whether the practice was still locked for her when she began it.
    catalogs: dict[int, StudyCatalog] = field(default_factory=dict)
    # Responses of this instrument only (`?instrument=`), or of every instrument.
    instrument: str | None = None
    # For offers: the high-rating threshold of each protocol version.
    thresholds: dict[int, int] = field(default_factory=dict)
    # For decisions: each protocol version's decisions block (the trial it ran).
    decisions: dict[int, Decisions] = field(default_factory=dict)
    _kinds: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict, compare=False)
    _positions: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict, compare=False)

    def withheld(self, instrument: str | None, version: str | None, item_id: str) -> bool:
        # Free text can name her; an item the codebook does not know is treated the same way.
        kind = self.item_types.get((instrument or "", version or "", item_id), "text")
        return kind == "text" and not self.free_text

    def positions(self, instrument: str, version: str) -> dict[str, int]:
        """One instrument version's codebook positions by item id, looked up once per export."""
        key = (instrument, version)
        if key not in self._positions:
            found = {i: n for (m, v, i), n in self.item_positions.items() if (m, v) == key}
            self._positions[key] = found
        return self._positions[key]

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
    for rows in _study_pages(session, window, query, table):
        yield [convert(_record(r, table)) for r in rows]


def paged_rows(
    session: Session, window: ExportWindow, query: Select[Any], table: Any
) -> Iterator[list[Row[Any]]]:
    """The study's rows of `query` (which selects `table` first) in the window, unconverted."""
    yield from _study_pages(session, window, query, table)


def _study_pages(
    session: Session, window: ExportWindow, query: Select[Any], table: Any
) -> Iterator[list[Row[Any]]]:
    """The rows of `query` in the window, a page at a time, the study's own only (see paged)."""
    keyset = {"seq": table.seq, "key": table.id, "since": window.since, "until": window.until}
    for rows in pages(session, query, **keyset):
        yield [r for r in rows if _record(r, table).participant_id in window.people]


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
            "reminders_sent": p.reminders_sent,
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
    # A list (';'-joined in CSV); None when she skipped the whole check-in.
    row[f"{prefix}_declined"] = declined if instrument is not None else None
    return row


# A phone's clock may run behind the server's: a session begun just after an offer can carry a
# start a little before the offer's (server) time and still be the one it led to.
CLOCK_SKEW = timedelta(minutes=15)


def offer_links(offers: Iterable[Offer], sessions: Iterable[PracticeSession]) -> dict[Any, Offer]:
    """Each rule-triggered session's offer, by session id.

    A session keeps no offer id (the phone sends only the rule), so it is linked by what it
    stores: the latest offer to her of the same rule and practice made before she began
    (allowing CLOCK_SKEW). The same offers and sessions always link the same way, so the
    offers and practice_sessions datasets agree whichever is read first.
    """
    by_key: dict[tuple[Any, str, str | None], list[Offer]] = {}
    for offer in sorted(offers, key=lambda o: (o.offered_at, str(o.id))):
        by_key.setdefault((offer.participant_id, offer.rule, offer.practice_id), []).append(offer)
    found: dict[Any, Offer] = {}
    for s in sessions:
        if s.trigger != "rule" or s.rule is None:
            continue
        candidates = by_key.get((s.participant_id, s.rule, s.practice_id), [])
        before = [o for o in candidates if o.offered_at <= s.started_at + CLOCK_SKEW]
        if before:
            found[s.id] = before[-1]
    return found


def _rule_records(session: Session, people: set[Any]) -> tuple[list[Offer], list[PracticeSession]]:
    """Every offer and rule-triggered session of these participants: what offer_links needs."""
    if not people:
        return [], []
    offers = session.exec(select(Offer).where(col(Offer.participant_id).in_(people))).all()
    sessions = session.exec(
        select(PracticeSession).where(
            col(PracticeSession.participant_id).in_(people), PracticeSession.trigger == "rule"
        )
    ).all()
    return list(offers), list(sessions)


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
    row["locked_at_time"] = locked_at_time(window, s)
    for prefix in ("pre", "post"):
        column = f"{prefix}_instrument"
        instrument = row[column] = getattr(s, column)
        version = row[f"{column}_version"] = getattr(s, f"{column}_version")
        row.update(ratings(window, prefix, instrument, version, getattr(s, prefix)))
    return row


def locked_at_time(window: ExportWindow, s: PracticeSession) -> bool | None:
    """Whether the practice was not yet unlocked for her in her program week when she began
    it, by the catalog of the protocol version then in force; None when that version is
    unknown. Such a session was accepted on purpose (see practices.service.record_session)."""
    catalog = window.catalogs.get(s.protocol_version)
    if catalog is None:
        return None
    # Her stage when she began, as the catalog she saw then depended on it.
    stage = window.people[s.participant_id].at(s.started_at).stage
    return not is_unlocked(catalog, s.practice_id, stage, s.program_week)


def practice_sessions(session: Session, window: ExportWindow) -> Iterator[Records]:
    table = PracticeSession
    for rows in _study_pages(session, window, select(table), table):
        records = [_record(r, table) for r in rows]
        people = {r.participant_id for r in records if r.trigger == "rule"}
        offers, _ = _rule_records(session, people)
        links = offer_links(offers, records)
        page = []
        for s in records:
            row = _practice_row(window, s, window.people[s.participant_id])
            offer = links.get(s.id)
            row["offer_ref"] = window.anonymizer.ref("O", offer.id) if offer else None
            row["response_ref"] = window.anonymizer.ref("R", offer.response_id) if offer else None
            page.append(row)
        yield page


OFFER_TIMES = ("offered_at", "decided_at")


def offers(session: Session, window: ExportWindow) -> Iterator[Records]:
    """Every offer a rule made on her answers, what she did with it, and the session it led to.

    A session that follows later is linked from its own row (offer_ref, response_ref) in the
    pull that brings it; the offer's session_ref is as known when the offer is read.
    """
    query = select(Offer, Response.protocol_version).join(
        Response, col(Response.id) == Offer.response_id
    )
    for rows in _study_pages(session, window, query, Offer):
        people = {_record(r, Offer).participant_id for r in rows}
        every_offer, sessions = _rule_records(session, people)
        links = offer_links(every_offer, sessions)
        # An offer leads to the first session linked to it; a second one is her own return.
        first: dict[Any, PracticeSession] = {}
        for s in sorted(sessions, key=lambda s: (s.started_at, str(s.id))):
            if s.id in links:
                first.setdefault(links[s.id].id, s)
        page = []
        for r in rows:
            o: Offer = _record(r, Offer)
            name, weeks = window.anonymizer.person(o.participant_id)
            # An offer belongs to the zone she was in when it was made.
            zone = window.people[o.participant_id].zone_at(o.offered_at)
            threshold = None
            if o.rule == "offer_breathing":
                threshold = window.thresholds.get(r.protocol_version)
            followed = first.get(o.id)
            row: dict[str, Any] = {
                "pseudonym": name,
                "offer_ref": window.anonymizer.ref("O", o.id),
                "response_ref": window.anonymizer.ref("R", o.response_id),
                "rule": o.rule,
                "threshold": threshold,
                "practice_id": o.practice_id,
                "outcome": o.outcome,
            }
            at = {"offered_at": o.offered_at, "decided_at": o.decided_at}
            times(row, at, zone, weeks, "offered_at")
            row["timezone"] = zone
            row["protocol_version"] = r.protocol_version
            row["session_ref"] = window.anonymizer.ref("S", followed.id) if followed else None
            page.append(row)
        yield page


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

    def record(at: Any, state: State, ref: str | None, change: str, changed: list[str]) -> dict:
        row: dict[str, Any] = {"pseudonym": name, "state_ref": ref, "change": change}
        row["changed"] = changed or None  # a list: ';'-joined in CSV, an array in NDJSON
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
                out.append((state.at, record(state.at, state, ref, "enrolled", [])))
            else:
                what = [n for n in SETTINGS if getattr(state, n) != getattr(before, n)]
                out.append((state.at, record(state.at, state, ref, "settings", what)))
        before = state
    for week, start in enumerate(starts, start=2):
        ref = f"{name}-W{week}"
        week_row = record(start, history.at(start), ref, "program_week", ["program_week"])
        out.append((start, week_row))
    return [row for _, row in sorted(out, key=lambda pair: pair[0])]
