"""Check-in answers checked against the exact instrument version she was shown."""

from dataclasses import dataclass, field
from typing import Any

from savor.ema import answers as ema_answers
from savor.ema.instruments import default_instruments
from savor.studies.models import Participant
from savor.studies.protocol import ProtocolDocument


@dataclass
class CheckedRatings:
    instrument: str | None = None
    version: str | None = None
    answers: list[dict[str, Any]] | None = None
    problems: list[dict[str, str]] = field(default_factory=list)


def enabled_features(document: ProtocolDocument) -> set[str]:
    return {name for name, on in document.features.model_dump().items() if on is True}


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
        features=enabled_features(document),
        audience=participant.stage,
        context={},
    )
    return CheckedRatings(
        instrument=chosen,
        version=str(instrument.version),
        answers=plain,
        problems=[{"field": f"{field}.{e.item_id}", "message": e.message} for e in errors],
    )
