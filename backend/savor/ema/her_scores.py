"""Her own questionnaire scores, as she reads them on her data page: each questionnaire's
total with the range it runs over, in her language, and no band.

A band's name ("severe", "positive screen") is for the study team, who read it beside
everything else they know; on its own, on her phone, it could frighten her. The bands stay in
the full copy of her data she can save, with everything else the study holds.
"""

from typing import Any
from uuid import UUID

from sqlmodel import Session, col, select

from savor.ema import registry
from savor.ema.models import QuestionnaireScore, Response
from savor.ema.questionnaires import scale_range


def her_scores(*, session: Session, participant_id: UUID, language: str) -> list[dict[str, Any]]:
    """Each questionnaire she sent, newest first: its title, when, and its total out of what."""
    rows = session.exec(
        select(QuestionnaireScore, Response)
        .join(Response, col(Response.id) == col(QuestionnaireScore.response_id))
        .where(col(QuestionnaireScore.participant_id) == participant_id)
        .where(col(QuestionnaireScore.position) == 0)
        .order_by(col(Response.submitted_at).desc())
    ).all()
    found = []
    for score, response in rows:
        instrument = registry.asked(
            session=session, instrument_id=score.instrument_id, version=score.instrument_version
        )
        scales = instrument.scoring.scales if instrument.scoring else []
        total = next((s for s in scales if s.id == score.scale_id), None)
        low, high = (
            scale_range(total, {i.id: i for i in instrument.items}) if total else (None, None)
        )
        found.append(
            {
                "instrument_id": score.instrument_id,
                "title": instrument.title.es if language == "es" else instrument.title.en,
                "submitted_at": response.submitted_at.isoformat(),
                "score": score.score,
                "lowest": low,
                "highest": high,
                "answered": score.answered,
                "skipped": score.declined + score.missing,
            }
        )
    return found
