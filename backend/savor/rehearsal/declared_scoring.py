"""A questionnaire's scores worked out from a phone's own answers by the rules its shipped YAML
declares (content/instruments/ID.yaml), for the `scores_match` invariant.

Written apart from the service's `ema/scoring.py` on purpose: an invariant that called the
service's scoring would only prove the service agrees with itself. The rules, as the README's
"Questionnaires" states them: a scale sums its items' values, a reversed item counting
low + high - value; with at most `max_missing` (default 0) of its items declined or not
answered, the sum is prorated to the mean of the answered items times the scale's item count,
rounded half up; with more, there is no score.
"""

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import yaml

import savor.content

INSTRUMENTS = Path(savor.content.__file__).parent / "instruments"


@dataclass(frozen=True)
class Expected:
    scale: str
    score: int | None
    answered: int
    declined: int
    missing: int
    prorated: bool


@cache
def declared(instrument_id: str) -> dict[str, Any] | None:
    """The shipped YAML of a scored questionnaire; None for a check-in or one not shipped."""
    path = INSTRUMENTS / f"{instrument_id}.yaml"
    if not path.is_file():
        return None
    document = yaml.safe_load(path.read_text("utf-8"))
    return document if document.get("scoring") else None


def expected_scores(document: dict[str, Any], answers: list[dict[str, Any]]) -> list[Expected]:
    """Every declared scale, scored on her answers (``{"item_id", "value", "declined"}``)."""
    ranges = {
        item["id"]: (
            min(o["value"] for o in item["options"]),
            max(o["value"] for o in item["options"]),
        )
        for item in document["items"]
        if item.get("options")
    }
    given = {
        a["item_id"]: a["value"]
        for a in answers
        if not a.get("declined") and type(a.get("value")) is int
    }
    declined = {a["item_id"] for a in answers if a.get("declined")}
    found: list[Expected] = []
    for scale in document["scoring"]["scales"]:
        items, flipped = scale["items"], set(scale.get("reversed", []))
        values = [
            sum(ranges[i]) - given[i] if i in flipped else given[i] for i in items if i in given
        ]
        n_declined = sum(1 for i in items if i in declined)
        n_missing = len(items) - len(values) - n_declined
        score = None
        if values and n_declined + n_missing <= scale.get("max_missing", 0):
            mean_times_count = Fraction(sum(values) * len(items), len(values))
            score = math.floor(mean_times_count + Fraction(1, 2))  # half up
        found.append(
            Expected(
                scale=scale["id"],
                score=score,
                answered=len(values),
                declined=n_declined,
                missing=n_missing,
                prorated=score is not None and n_declined + n_missing > 0,
            )
        )
    return found
