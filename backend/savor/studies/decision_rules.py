"""The protocol's `decisions` block: a micro-randomized trial declared as settings.

At each decision point the server draws one of the declared options with the declared
probabilities (by stratum when the rule has strata), unless an availability condition holds;
a crisis always wins and is never randomized (see ema/decisions). Validated here, in the
lowest domain, so a mistake is refused when the protocol is applied, one line per problem.
"""

from typing import Literal

from pydantic import Field, field_validator, model_validator

from savor.content_schema import Frozen

IdText = Field(pattern=r"^[a-z0-9_]{1,24}$")
# Probabilities are written as decimals; their sum may be off by rounding, never by more.
SUM_TOLERANCE = 1e-6
RuleKind = Literal["checkin", "probe", "practice_reminder"]
# Decision points at a time of her day, each a prompt the ticker decides (ema/decisions).
TIMED_KINDS = ("probe", "practice_reminder")
ASKED_FOR_HELP = "hard_moment"


class TreatmentOption(Frozen):
    """One arm: offer this practice, or (practice null) offer nothing."""

    id: str = IdText
    practice: str | None = Field(default=None, pattern=r"^[A-Z][0-9]{2}$")


class Stratum(Frozen):
    """Decision points whose highest rating of the rule's items is at least `min_rating`
    (the stratum with the largest such `min_rating` applies)."""

    id: str = IdText
    min_rating: int = Field(ge=0, le=10)
    probabilities: dict[str, float]


class DecisionRule(Frozen):
    """What makes a decision point, and how it is randomized.

    - checkin: a check-in of one of `instruments` with any of `items` at or above `threshold`;
    - probe: `per_day` random times inside her waking hours, at least `spacing_minutes`
      apart, planned like random prompts; an offer drawn there is a neutral notification
      that stays open `open_minutes`;
    - practice_reminder: each day at the practice reminder time she set in the app (none
      while she has not set one), decided and offered as a probe is.
    """

    id: str = IdText
    kind: RuleKind
    instruments: list[str] = Field(default_factory=lambda: ["momentary"])
    items: list[str] = Field(default_factory=lambda: ["C1", "S1"])
    threshold: int = Field(default=7, ge=0, le=10)
    per_day: int = Field(default=2, ge=1, le=12)
    spacing_minutes: int = Field(default=60, ge=0, le=12 * 60)
    open_minutes: int = Field(default=60, ge=5, le=12 * 60)
    probabilities: dict[str, float] | None = None
    strata: list[Stratum] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_way_to_randomize(self) -> "DecisionRule":
        if (self.probabilities is None) == (not self.strata):
            raise ValueError("give either 'probabilities' or 'strata', not both and not neither")
        if ASKED_FOR_HELP in self.instruments:
            raise ValueError(
                f"'{ASKED_FOR_HELP}' is her own request for help: it always offers a breathing"
                " break and is never randomized"
            )
        if self.strata and self.kind != "checkin":
            raise ValueError("only a checkin rule has ratings to form strata from")
        if self.strata:
            floors = [s.min_rating for s in self.strata]
            if len(set(floors)) != len(floors):
                raise ValueError("each stratum needs its own 'min_rating'")
            if min(floors) != self.threshold:
                raise ValueError(
                    f"the lowest stratum must start at the rule's threshold ({self.threshold}),"
                    " so every decision point has a stratum"
                )
        return self

    def stratum_for(self, rating: int | None) -> tuple[str | None, dict[str, float]]:
        """The stratum a decision point with this highest rating falls in, and its odds."""
        if not self.strata:
            return None, dict(self.probabilities or {})
        fitting = [s for s in self.strata if rating is not None and rating >= s.min_rating]
        if fitting:
            chosen = max(fitting, key=lambda s: s.min_rating)
        else:
            chosen = min(self.strata, key=lambda s: s.min_rating)
        return chosen.id, dict(chosen.probabilities)

    def all_probabilities(self) -> list[tuple[str, dict[str, float]]]:
        if self.strata:
            return [(f"stratum {s.id}", s.probabilities) for s in self.strata]
        return [("probabilities", self.probabilities or {})]


class Availability(Frozen):
    """When a decision point is not randomized (recorded as unavailable, with why)."""

    min_minutes_between_offers: int = Field(default=60, ge=0, le=24 * 60)
    max_offers_per_day: int = Field(default=4, ge=1, le=24)
    # A before-practice check-in with no after-practice one yet: she is practising this long.
    practice_minutes: int = Field(default=20, ge=1, le=240)
    # A crisis screen stays on her phone until she leaves it; this long, nothing is offered.
    crisis_minutes: int = Field(default=120, ge=1, le=24 * 60)


class ProximalOutcome(Frozen):
    """What each decision point is measured by: these items, answered in this window after
    it, on a follow-up prompt of `instrument` scheduled for every decision point."""

    instrument: str = "momentary"
    items: list[str] = Field(default_factory=lambda: ["C1", "S1"], min_length=1)
    window_minutes: tuple[int, int] = (30, 120)
    expires_minutes: int | None = None

    @field_validator("window_minutes")
    @classmethod
    def _ordered(cls, window: tuple[int, int]) -> tuple[int, int]:
        start, end = window
        if not 0 < start < end <= 24 * 60:
            raise ValueError("must be [start, end] minutes with 0 < start < end <= 1440")
        return window


class Decisions(Frozen):
    options: list[TreatmentOption] = Field(min_length=2)
    rules: list[DecisionRule] = Field(min_length=1)
    availability: Availability = Availability()
    proximal_outcome: ProximalOutcome = ProximalOutcome()

    @model_validator(mode="after")
    def _consistent(self) -> "Decisions":
        problems = _option_problems(self.options)
        ids = [r.id for r in self.rules]
        if len(set(ids)) != len(ids):
            problems.append("each rule needs its own id")
        known = {o.id for o in self.options}
        empty = {o.id for o in self.options if o.practice is None}
        for rule in self.rules:
            for place, odds in rule.all_probabilities():
                problems += _odds_problems(f"rule {rule.id} {place}", odds, known, empty)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def rule(self, rule_id: str) -> DecisionRule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def practice_of(self, option_id: str) -> str | None:
        return next((o.practice for o in self.options if o.id == option_id), None)

    def probe_rules(self) -> list[DecisionRule]:
        return [r for r in self.rules if r.kind == "probe"]

    def timed_rules(self) -> list[DecisionRule]:
        """Rules whose decision points are times of her day (planned as prompts)."""
        return [r for r in self.rules if r.kind in TIMED_KINDS]

    def instruments_randomized(self) -> set[str]:
        """The check-ins whose offers the trial draws (no fixed offer is made on them)."""
        return set().union(*(set(r.instruments) for r in self.rules if r.kind == "checkin"))

    def instruments_used(self) -> set[str]:
        found = {self.proximal_outcome.instrument}
        return found.union(*(set(r.instruments) for r in self.rules if r.kind == "checkin"))


def _option_problems(options: list[TreatmentOption]) -> list[str]:
    problems = []
    ids = [o.id for o in options]
    if len(set(ids)) != len(ids):
        problems.append("each option needs its own id")
    if sum(o.practice is None for o in options) != 1:
        problems.append("exactly one option must offer nothing (practice left out)")
    return problems


def _odds_problems(
    place: str, odds: dict[str, float], known: set[str], empty: set[str]
) -> list[str]:
    problems = []
    if unknown := sorted(set(odds) - known):
        problems.append(f"{place} names options that are not declared: {unknown}")
    if missing := sorted(known - set(odds)):
        problems.append(f"{place} gives no probability for {missing}")
    if any(not 0 <= p <= 1 for p in odds.values()):
        problems.append(f"{place} must be probabilities between 0 and 1")
    elif abs(sum(odds.values()) - 1) > SUM_TOLERANCE:
        problems.append(f"{place} must add up to 1 (they add up to {sum(odds.values()):g})")
    elif not 0 < sum(odds.get(o, 0) for o in empty) < 1:
        # With an offer certain or impossible there is nothing to compare: no effect can be
        # estimated, and the centering of the analysis divides by zero.
        problems.append(f"{place} must give 'no offer' a probability above 0 and below 1")
    return problems
