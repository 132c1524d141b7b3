"""Her settings as they were at any moment: the zone, stage and waking window in force.

Pure: given her states sorted by time, the one in force at a moment is the last one that
began at or before it. A moment before her first state (a phone's clock running behind at
enrollment) takes the first: she had no other settings then.
"""

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time


@dataclass(frozen=True, slots=True)
class State:
    """Her settings from `at` (UTC) on."""

    at: datetime
    timezone: str
    stage: str | None
    wake_time: time
    sleep_time: time


def state_index(starts: Sequence[datetime], moment: datetime) -> int:
    """The index of the state in force at `moment`, given the states' sorted start times."""
    return max(bisect_right(starts, moment) - 1, 0)


@dataclass(frozen=True)
class History:
    """Her states in time order, looked up by moment; never empty."""

    states: tuple[State, ...]
    starts: tuple[datetime, ...]

    @classmethod
    def of(cls, states: Iterable[State]) -> "History":
        ordered = tuple(sorted(states, key=lambda s: s.at))
        if not ordered:
            raise ValueError("a history needs at least one state")
        return cls(ordered, tuple(s.at for s in ordered))

    @property
    def single(self) -> bool:
        """One state: every moment has the same settings, nothing to look up."""
        return len(self.states) == 1

    def at(self, moment: datetime) -> State:
        if len(self.states) == 1:
            return self.states[0]
        return self.states[state_index(self.starts, moment)]

    def zone_at(self, moment: datetime | None) -> str:
        """The zone in force at `moment`; the latest when the moment is unknown."""
        if moment is None:
            return self.states[-1].timezone
        return self.at(moment).timezone
