"""Scores from a questionnaire's answers, by the rules its YAML declares; pure, no storage.

The same function scores a submission as it is stored and any test of a published example,
so what a researcher exports is exactly what the declaration says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from savor.ema.questionnaires import Scale, item_range

if TYPE_CHECKING:
    from savor.ema.instruments import Instrument


@dataclass(frozen=True)
class ScaleScore:
    scale_id: str
    score: int | None  # None: too many items missing or declined to score
    band: str | None
    answered: int
    declined: int
    missing: int
    prorated: bool


@dataclass(frozen=True)
class Scores:
    instrument_id: str
    instrument_version: str
    scoring_version: int
    scales: list[ScaleScore]

    @property
    def total(self) -> ScaleScore:
        """The first scale declared is the questionnaire's total."""
        return self.scales[0]

    def as_dict(self) -> dict[str, Any]:
        return {
            "instrument_id": self.instrument_id,
            "instrument_version": self.instrument_version,
            "scoring_version": self.scoring_version,
            "scales": [s.__dict__ for s in self.scales],
        }


def score(instrument: Instrument, answers: Sequence[Mapping[str, Any]]) -> Scores:
    """Every scale of `instrument` scored on `answers` (``{"item_id", "value", "declined"}``)."""
    if instrument.scoring is None:
        raise ValueError(f"{instrument.id} declares no scoring")
    given: dict[str, int] = {}
    declined: set[str] = set()
    for answer in answers:
        item_id = answer["item_id"]
        if answer.get("declined"):
            declined.add(item_id)
        elif type(answer.get("value")) is int:
            given[item_id] = answer["value"]
    items = {item.id: item for item in instrument.items}
    return Scores(
        instrument_id=instrument.id,
        instrument_version=str(instrument.version),
        scoring_version=instrument.scoring.version,
        scales=[_scale_score(scale, items, given, declined) for scale in instrument.scoring.scales],
    )


def _scale_score(
    scale: Scale, items: Mapping[str, Any], given: Mapping[str, int], declined: set[str]
) -> ScaleScore:
    values = []
    for item_id in scale.items:
        if item_id in given:
            low, high = item_range(items[item_id])
            value = given[item_id]
            values.append(low + high - value if item_id in scale.reversed else value)
    n_declined = sum(1 for i in scale.items if i in declined)
    n_missing = len(scale.items) - len(values) - n_declined
    unanswered = n_declined + n_missing
    total: int | None = None
    if unanswered <= scale.max_missing and values:
        exact = Decimal(sum(values)) * len(scale.items) / len(values)
        total = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return ScaleScore(
        scale_id=scale.id,
        score=total,
        band=_band(scale, total),
        answered=len(values),
        declined=n_declined,
        missing=n_missing,
        prorated=total is not None and unanswered > 0,
    )


def _band(scale: Scale, total: int | None) -> str | None:
    if total is None:
        return None
    return next((b.code for b in scale.bands if b.min <= total <= b.max), None)
