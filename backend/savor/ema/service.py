"""Check-in answers checked against the exact instrument version she was shown."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from savor.ema import answers as ema_answers
from savor.ema import planning as ema_planning
from savor.ema import prompts as ema_prompts
from savor.ema.compliance import Compliance, PromptFate, compliance
from savor.ema.decisions.probes import HIDDEN_KINDS
from savor.ema.instruments import default_instruments
from savor.ema.models import Prompt, Response, ResponseItem
from savor.ema.waves import WAVE_KIND
from savor.practices.ratings import CheckedRatings
from savor.practices.summary import TRACKED, Rating
from savor.studies import consent
from savor.studies import service as studies_service
from savor.studies.models import Participant, Study
from savor.studies.protocol import Features, ProtocolDocument


def enabled_features(features: Features) -> set[str]:
    """The switches that are on, from her own features (`studies.consent.features_for`)."""
    return {name for name, on in features.model_dump().items() if on is True}


def checked_ratings(
    *,
    instrument_id: str | None,
    allowed: list[str],
    answers: list[Any] | None,
    field: str,
    document: ProtocolDocument,
    participant: Participant,
) -> CheckedRatings:
    """Before/after-practice ratings: None when she skipped them, else validated answers."""
    if answers is None:
        return CheckedRatings()
    # The last listed instrument is the fullest one (e.g. post-practice plus savoring).
    chosen = instrument_id or (allowed[-1] if allowed else None)
    if chosen is None or chosen not in allowed:
        listed = ", ".join(allowed) or "none"
        message = f"instrument '{chosen}' is not asked with this practice (allowed: {listed})"
        return CheckedRatings(problems=[{"field": f"{field}_instrument", "message": message}])
    instrument = default_instruments()[chosen]
    plain = [a.model_dump() if hasattr(a, "model_dump") else dict(a) for a in answers]
    errors = ema_answers.validate_answers(
        instrument,
        plain,
        features=enabled_features(consent.features_for(participant, document)),
        audience=participant.stage,
        context={},
    )
    return CheckedRatings(
        instrument=chosen,
        version=str(instrument.version),
        answers=plain,
        problems=[{"field": f"{field}.{e.item_id}", "message": e.message} for e in errors],
    )


def plan_for(*, session: Session, participant: Participant, now: datetime) -> int:
    """Plan (or re-plan after a change of zone, hours or protocol) her coming prompts."""
    study = session.get_one(Study, participant.study_id)
    document = studies_service.protocol_document(session=session, study=study)
    return ema_planning.plan_participant(
        session=session, participant=participant, study=study, document=document, now=now
    )


def stop_for(*, session: Session, participant: Participant, now: datetime) -> None:
    """She withdrew: no more prompts."""
    ema_prompts.cancel_future(session=session, participant=participant, now=now)


def _fates(session: Session, participant_ids: list) -> dict:
    # Check-in compliance: a questionnaire wave is an outcome measure with its own status in
    # the prompts export (completed or missed), not one of the check-ins counted here; nor is
    # a trial's probe or offer (an offer unanswered is no missed check-in).
    rows = session.exec(
        select(Prompt)
        .where(col(Prompt.participant_id).in_(participant_ids))
        .where(col(Prompt.kind).not_in((WAVE_KIND, *HIDDEN_KINDS)))
    ).all()
    by_participant: dict = {pid: [] for pid in participant_ids}
    for row in rows:
        by_participant[row.participant_id].append(
            PromptFate(
                status=row.status,
                scheduled_at=row.scheduled_at,
                sent_at=row.sent_at,
                completed_at=row.completed_at,
                answered_late=row.answered_late,
                pushed=row.pushed,
                delivered_at=row.delivered_at,
                shown_at=row.shown_at,
                clicked_at=row.clicked_at,
                opened_at=row.opened_at,
            )
        )
    return by_participant


def compliance_overview(
    *, session: Session, study: Study, now: datetime
) -> tuple[Compliance, list[tuple[Participant, Compliance]]]:
    """The study's compliance and each participant's, from one read of the study's prompts."""
    participants = list(session.exec(select(Participant).where(Participant.study_id == study.id)))
    fates = _fates(session, [p.id for p in participants])
    overall = compliance([f for found in fates.values() for f in found], now=now)
    return overall, [(p, compliance(fates[p.id], now=now)) for p in participants]


def feeling_ratings(*, session: Session, participant: Participant) -> list[Rating]:
    """Her check-in answers on the feelings her trends show, by the day she answered."""
    rows = session.exec(
        select(Response.local_date, ResponseItem.item_id, ResponseItem.value)
        .join(Response, col(Response.id) == ResponseItem.response_id)
        .where(Response.participant_id == participant.id)
        .where(col(ResponseItem.item_id).in_(list(TRACKED)))
        .where(col(ResponseItem.declined).is_(False))
    ).all()
    return [
        Rating(local_date=day, item_id=item, value=value)
        for day, item, value in rows
        if type(value) is int
    ]
