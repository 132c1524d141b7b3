"""Rows of the consents and deletions datasets, a page at a time.

A deletion names only the pseudonym: her participant row, and every row that hung on it, is
gone; researchers remove her rows from their copies by it (the mirror does so by itself).
"""

from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, select

from savor.research.anonymize import utc_text
from savor.research.cursor import pages
from savor.research.exports.sources import ExportWindow, Records, paged, times
from savor.studies.consent import CONSENTED
from savor.studies.models import ConsentRecord, ParticipantDeletion


def consents(session: Session, window: ExportWindow) -> Iterator[Records]:
    def convert(c: ConsentRecord) -> dict[str, Any]:
        name, weeks = window.anonymizer.person(c.participant_id)
        history = window.people[c.participant_id]
        zone = history.zone_at(c.agreed_at)
        row: dict[str, Any] = {
            "pseudonym": name,
            "consent_ref": window.anonymizer.ref("K", c.id),
            "version": c.version,
            "protocol_version": c.protocol_version,
        }
        at = {"agreed_at": c.agreed_at, "withdrawn_at": c.withdrawn_at}
        times(row, at, zone, weeks, "agreed_at")
        on = [name for name in CONSENTED if c.features.get(name)]
        return {**row, "timezone": zone, "features": on or None, "on_deletion": c.on_deletion}

    yield from paged(session, window, select(ConsentRecord), ConsentRecord, convert)


def deletions(session: Session, window: ExportWindow) -> Iterator[Records]:
    # The study is filtered in SQL: deletions are few, and their rows name the study.
    query = select(ParticipantDeletion).where(ParticipantDeletion.study_id == window.study_id)
    keyset = {"seq": ParticipantDeletion.seq, "key": ParticipantDeletion.id}
    # With dates shifted for anyone, the moment could be matched to her real calendar.
    shifted = window.anonymizer.shift_dates or bool(window.anonymizer.shifted)
    for rows in pages(session, query, since=window.since, until=window.until, **keyset):
        yield [
            {
                "pseudonym": r.ParticipantDeletion.pseudonym,
                "deleted_at": None if shifted else utc_text(r.ParticipantDeletion.deleted_at),
            }
            for r in rows
        ]
