"""New prompt rows, written the way each database takes many of them fastest (`savor.bulk`).

Planning writes a day for every participant at once, hundreds of thousands of rows. On
PostgreSQL they stream into one COPY as text lines built here while they are still being
derived, so the server stores the first rows while the next are worked out; elsewhere they go
in as multi-row inserts of values encoded by the columns' own converters.
"""

import uuid
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from sqlmodel import Session

from savor.bulk import BulkInsert, copy_text
from savor.ema import registry, study_instruments
from savor.ema.decisions import probes
from savor.ema.models import Prompt
from savor.ema.schedule import PlannedPrompt
from savor.ema.waves import WAVE_KIND
from savor.ids import new_id, new_ids_hex
from savor.studies.protocol import ProtocolDocument

_TABLE = Prompt.__table__  # type: ignore[attr-defined]
# A new prompt has lived through nothing yet: the times it has not reached are left out and
# stay NULL, with nothing to convert or send for them.
_COLUMNS = (
    "id",
    "participant_id",
    "schedule_id",
    "kind",
    "instrument_id",
    "instrument_version",
    "protocol_version",
    "local_date",
    "slot",
    "scheduled_at",
    "expires_at",
    "remind_at",
    "status",
    "answered_late",
    "send_attempts",
    "pushed",
)
# Thousands of rows share each of these values: converted once each.
_REPEATED = ("participant_id", "local_date", "scheduled_at", "expires_at", "remind_at")
_COPY_CHUNK = 500  # lines handed to the driver at once
Plans = Iterable[tuple[uuid.UUID, PlannedPrompt]]  # (her id, her planned prompt)


class NewPrompts:
    """Writes planned prompts of one study's protocol as stored rows, in one session."""

    def __init__(self, session: Session, document: ProtocolDocument, protocol_version: int) -> None:
        self.session = session
        self.protocol_version = protocol_version
        self.schedules: dict[str, tuple[str, str, str]] = {}  # id: (kind, instrument, version)
        for schedule in document.schedules:
            instrument = study_instruments.resolve(document, schedule.instrument)
            registry.register(session=session, instrument=instrument)
            self.schedules[schedule.id] = (schedule.kind, instrument.id, str(instrument.version))
        # A trial's probe times are planned with her prompts (ema/decisions/probes.py).
        if document.decisions is not None:
            instrument = registry.current(document.decisions.proximal_outcome.instrument)
            for rule in document.decisions.timed_rules():
                self.schedules[probes.schedule_id(rule.id)] = (
                    probes.PROBE_KIND,
                    instrument.id,
                    str(instrument.version),
                )
        for wave in document.waves:
            instrument = study_instruments.resolve(document, wave.instrument)
            registry.register(session=session, instrument=instrument)
            self.schedules[wave.id] = (WAVE_KIND, instrument.id, str(instrument.version))

    def insert(self, plans: Plans) -> int:
        """Store them all, in the session's transaction; returns how many.

        `plans` may be a generator, drawn while the COPY is open: it must not use the session
        (not even an expired attribute of an ORM object). A prompt already stored raises
        IntegrityError, whatever the database.
        """
        connection = self.session.connection()
        # Made per call: what it remembers of the repeated values lasts one planning run.
        bulk = BulkInsert(_TABLE, _COLUMNS, connection.dialect, repeated=_REPEATED)
        if connection.dialect.name == "postgresql":
            counted = _Counted()
            bulk.copy_lines(connection, counted.with_ids(self._copy_chunks(plans)))
            return counted.lines
        rows = [bulk.encode(self._values(her_id, plan)) for her_id, plan in plans]
        if rows:
            bulk.insert(connection, rows)
        return len(rows)

    def _values(self, her_id: uuid.UUID, plan: PlannedPrompt) -> dict[str, Any]:
        kind, instrument_id, version = self.schedules[plan.schedule_id]
        return {
            "id": new_id(),
            "participant_id": her_id,
            "schedule_id": plan.schedule_id,
            "kind": kind,
            "instrument_id": instrument_id,
            "instrument_version": version,
            "protocol_version": self.protocol_version,
            "local_date": plan.local_date,
            "slot": plan.slot,
            "scheduled_at": plan.scheduled_at,
            "expires_at": plan.expires_at,
            "remind_at": plan.remind_at,
            "status": "scheduled",
            "answered_late": False,
            "send_attempts": 0,
            "pushed": 0,
        }

    def _copy_chunks(self, plans: Plans) -> Iterator[list[str]]:
        """Prompts' COPY lines, but their ids (`_Counted` draws a chunk's at once)."""
        # Text lines built here cost a fraction of psycopg's per-value adaptation; everything
        # a schedule shares is escaped once.
        shared = {
            schedule_id: "\t".join(
                (copy_text(schedule_id), *map(copy_text, values), str(self.protocol_version))
            )
            for schedule_id, values in self.schedules.items()
        }
        # Times fall on whole minutes and days are few, so thousands of rows share each one:
        # each is formatted once.
        texts: dict[date, str] = {}

        def text(moment: date) -> str:
            if (found := texts.get(moment)) is None:
                found = texts[moment] = moment.isoformat()
            return found

        lines: list[str] = []
        last_id, her = None, ""
        for her_id, plan in plans:
            if her_id != last_id:
                last_id, her = her_id, her_id.hex
            remind = r"\N" if plan.remind_at is None else text(plan.remind_at)
            lines.append(
                f"{her}\t{shared[plan.schedule_id]}\t{text(plan.local_date)}\t"
                f"{plan.slot}\t{text(plan.scheduled_at)}\t{text(plan.expires_at)}\t"
                f"{remind}\tscheduled\tf\t0\t0\n"
            )
            if len(lines) >= _COPY_CHUNK:
                yield lines
                lines = []
        if lines:
            yield lines


class _Counted:
    """Each chunk's lines given new ids, drawn at once, and counted."""

    def __init__(self) -> None:
        self.lines = 0

    def with_ids(self, chunks: Iterable[list[str]]) -> Iterator[str]:
        for chunk in chunks:
            self.lines += len(chunk)
            ids = new_ids_hex(len(chunk))
            yield "".join([f"{made}\t{line}" for made, line in zip(ids, chunk, strict=True)])
