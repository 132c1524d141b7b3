"""Her own picture: practice days and minutes per week, daily feelings, before vs after."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean

from pydantic import BaseModel

# The three feelings she sees in her trends, by item id.
TRACKED = {"S1": "stress", "C1": "craving", "A1": "positive_affect"}


@dataclass(frozen=True)
class Rating:
    local_date: date
    item_id: str
    value: int


@dataclass(frozen=True)
class SessionFacts:
    local_date: date
    program_week: int
    seconds: int
    pre: dict[str, int]
    post: dict[str, int]


class WeekTotals(BaseModel):
    week: int
    start_date: date
    practice_days: int
    minutes: int


class DayFeelings(BaseModel):
    date: date
    stress: float | None = None
    craving: float | None = None
    positive_affect: float | None = None


class BeforeAfter(BaseModel):
    sessions: int
    before: float | None
    after: float | None
    change: float | None


class SummaryView(BaseModel):
    program_week: int
    practice_days: int
    minutes: int
    weeks: list[WeekTotals]
    daily: list[DayFeelings]
    before_after: dict[str, BeforeAfter]


def _mean(values: list[int] | list[float]) -> float | None:
    return round(fmean(values), 2) if values else None


def _before_after(sessions: list[SessionFacts], item: str) -> BeforeAfter:
    pairs = [(s.pre[item], s.post[item]) for s in sessions if item in s.pre and item in s.post]
    return BeforeAfter(
        sessions=len(pairs),
        before=_mean([b for b, _ in pairs]),
        after=_mean([a for _, a in pairs]),
        change=_mean([a - b for b, a in pairs]),
    )


def build_summary(
    *, sessions: list[SessionFacts], ratings: Iterable[Rating], first_day: date, week: int
) -> SummaryView:
    """Only what she did is counted: there are no 'missed' days or lost streaks here."""
    practiced = [s for s in sessions if s.seconds > 0]
    weeks = []
    for number in range(1, week + 1):
        in_week = [s for s in practiced if s.program_week == number]
        weeks.append(
            WeekTotals(
                week=number,
                start_date=first_day + timedelta(weeks=number - 1),
                practice_days=len({s.local_date for s in in_week}),
                minutes=round(sum(s.seconds for s in in_week) / 60),
            )
        )
    by_day: dict[date, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for rating in ratings:
        if rating.item_id in TRACKED:
            by_day[rating.local_date][TRACKED[rating.item_id]].append(rating.value)
    daily = [
        DayFeelings(date=day, **{name: _mean(values) for name, values in feelings.items()})
        for day, feelings in sorted(by_day.items())
    ]
    return SummaryView(
        program_week=week,
        practice_days=len({s.local_date for s in practiced}),
        minutes=round(sum(s.seconds for s in practiced) / 60),
        weeks=weeks,
        daily=daily,
        before_after={name: _before_after(practiced, item) for item, name in TRACKED.items()},
    )
