"""What a questionnaire adds to an instrument: where it comes from, and how it is scored.

A validated questionnaire (PHQ-9, GAD-7, ...) is an instrument of kind `questionnaire`: the
same items and "prefer not to answer" as a check-in, plus its source, licence and citation,
an intro that tells her who sees the answers, and scoring declared in its YAML rather than
written in Python (see `savor.ema.scoring` for how a declaration is applied).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import pairwise
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from savor.content_schema import Localized
from savor.ema.items import CheckInContent, Item

ScaleId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,29}$")]
BandCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,29}$")]


class Source(CheckInContent):
    """Where the wording comes from and on what terms it may be shown; in the codebook."""

    name: str = Field(min_length=1, max_length=200)
    licence: str = Field(min_length=1, max_length=500)
    citation: str = Field(min_length=1, max_length=1000)
    url: str | None = Field(default=None, pattern=r"^https://")
    translation: str | None = Field(default=None, max_length=500)


class Band(CheckInContent):
    """A range of a scale's score, both ends included, e.g. PHQ-9 10-14 "moderate"."""

    code: BandCode
    min: int
    max: int
    label: Localized


class Scale(CheckInContent):
    """One score: the sum of its items' values, some of them reversed.

    Missing and declined items count alike. With at most `max_missing` of them the score is
    prorated (the mean of the answered items times the number of items, rounded half up to
    a whole number); with more there is no score.
    """

    id: ScaleId
    label: Localized
    items: list[str] = Field(min_length=1)
    reversed: list[str] = Field(default_factory=list)
    max_missing: int = Field(default=0, ge=0)
    bands: list[Band] = Field(default_factory=list)
    # The LOINC code of this score, where one exists: FHIR exports carry it on the Observation.
    loinc: str | None = Field(default=None, pattern=r"^\d{1,7}-\d$")


class Scoring(CheckInContent):
    """How answers become scores; `version` changes whenever the rules do."""

    version: int = Field(ge=1)
    scales: list[Scale] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_scales(self) -> Scoring:
        ids = [s.id for s in self.scales]
        if repeated := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"scale ids must be unique; repeated: {', '.join(repeated)}")
        return self


def item_range(item: Item) -> tuple[int, int]:
    """The lowest and highest value a scored item can carry."""
    values = [o.value for o in item.options if o.value is not None]
    return min(values), max(values)


def scale_range(scale: Scale, items: dict[str, Item]) -> tuple[int, int]:
    ranges = [item_range(items[i]) for i in scale.items]
    return sum(low for low, _ in ranges), sum(high for _, high in ranges)


def scoring_problems(scoring: Scoring, items: Sequence[Item]) -> Iterator[str]:
    """Every way the scoring fails to fit the instrument's items, one line each."""
    by_id = {item.id: item for item in items}
    for scale in scoring.scales:
        where = f"scoring scale {scale.id}"
        unknown = [i for i in scale.items if i not in by_id]
        if unknown:
            yield f"{where}: scores {unknown}, which are not items of this questionnaire"
            continue
        if not_scored := [i for i in scale.items if by_id[i].type != "likert"]:
            yield f"{where}: only likert items carry a score; {not_scored} are not likert"
            continue
        if len(set(scale.items)) != len(scale.items):
            yield f"{where}: lists an item twice"
        if stray := [i for i in scale.reversed if i not in scale.items]:
            yield f"{where}: reverses {stray}, which it does not score"
        if scale.max_missing >= len(scale.items):
            yield f"{where}: max_missing must leave at least one item answered"
        yield from _band_problems(where, scale, scale_range(scale, by_id))


def _band_problems(where: str, scale: Scale, bounds: tuple[int, int]) -> Iterator[str]:
    if not scale.bands:
        return
    bands = scale.bands
    if bands[0].min != bounds[0] or bands[-1].max != bounds[1]:
        yield f"{where}: bands must run from {bounds[0]} to {bounds[1]}, the scale's range"
    for band, after in pairwise(bands):
        if after.min != band.max + 1:
            yield f"{where}: band {after.code} must start at {band.max + 1}, after {band.code}"
    if bad := [b.code for b in bands if b.min > b.max]:
        yield f"{where}: bands {bad} end before they start"
