"""Rows of the `scores` dataset: one per scale of each scored questionnaire, a page at a time.

Scores are stored with their response (ema.checkin_rows), so they are read beside the
responses, paged by the responses' change positions: a score is in the pull that brings its
answers. As everywhere in exports, she is a pseudonym and each time is in her zone then.
"""

from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, col, select

from savor.ema.instruments import default_instruments
from savor.ema.models import InstrumentVersion, Prompt, QuestionnaireScore, Response
from savor.ema.waves import WAVE_KIND
from savor.research.exports.sources import ExportWindow, Records, paged_rows, times


def questionnaire_ids(session: Session) -> list[str]:
    """The shipped questionnaires and the studies' own, stored when their protocol was applied."""
    shipped = {i.id for i in default_instruments().values() if i.kind == "questionnaire"}
    stored = session.exec(select(InstrumentVersion.instrument_id, InstrumentVersion.definition))
    own = {i for i, definition in stored if definition.get("kind") == "questionnaire"}
    return sorted(shipped | own)


def scores(session: Session, window: ExportWindow) -> Iterator[Records]:
    query = (
        select(Response, Prompt.kind, Prompt.schedule_id)
        .outerjoin(Prompt, col(Prompt.id) == Response.prompt_id)
        .where(col(Response.instrument_id).in_(questionnaire_ids(session)))
    )
    for rows in paged_rows(session, window, query, Response):
        ids = [r.Response.id for r in rows]
        found: dict[Any, list[QuestionnaireScore]] = {}
        stored = session.exec(
            select(QuestionnaireScore)
            .where(col(QuestionnaireScore.response_id).in_(ids))
            .order_by(col(QuestionnaireScore.position))
        )
        for score in stored:
            found.setdefault(score.response_id, []).append(score)
        page: Records = []
        for row in rows:
            wave = row.schedule_id if row.kind == WAVE_KIND else None
            page += [_row(window, row.Response, wave, s) for s in found.get(row.Response.id, [])]
        yield page


def _row(
    window: ExportWindow, response: Response, wave: str | None, score: QuestionnaireScore
) -> dict[str, Any]:
    name, weeks = window.anonymizer.person(response.participant_id)
    row: dict[str, Any] = {
        "pseudonym": name,
        "response_ref": window.anonymizer.ref("R", response.id),
        "prompt_ref": window.anonymizer.ref("Q", response.prompt_id),
        "wave": wave,
        "instrument_id": score.instrument_id,
        "instrument_version": score.instrument_version,
        "scoring_version": score.scoring_version,
        "scale": score.scale_id,
        "score": score.score,
        "band": score.band,
        "items_answered": score.answered,
        "items_declined": score.declined,
        "items_missing": score.missing,
        "prorated": score.prorated,
    }
    # A score belongs to the zone she was in when she submitted its answers.
    zone = window.people[response.participant_id].zone_at(response.submitted_at)
    times(row, {"submitted_at": response.submitted_at}, zone, weeks, "submitted_at")
    return {**row, "timezone": zone}
