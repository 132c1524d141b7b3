"""How she felt: ratings before and after a practice, and her check-ins by day.

The instruments and the answers are ema's, and ema sits above practices, so practices never
imports it: ema's functions are handed over at startup (main.py keeps them in
`app.state.ratings`) and reach the practice routes through this interface.
"""

from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from sqlmodel import Session

from savor.practices.summary import Rating
from savor.studies.models import Participant
from savor.studies.protocol import ProtocolDocument


@dataclass
class CheckedRatings:
    instrument: str | None = None
    version: str | None = None
    answers: list[dict[str, Any]] | None = None
    problems: list[dict[str, str]] = field(default_factory=list)


class RatingsCheck(Protocol):
    def __call__(
        self,
        *,
        instrument_id: str | None,
        allowed: list[str],
        answers: list[Any] | None,
        field: str,
        document: ProtocolDocument,
        participant: Participant,
    ) -> CheckedRatings: ...


class FeelingRatings(Protocol):
    def __call__(self, *, session: Session, participant: Participant) -> list[Rating]: ...


@dataclass(frozen=True)
class Ratings:
    check: RatingsCheck
    feelings: FeelingRatings


async def get_ratings(request: Request) -> Ratings:
    # async: no I/O, so no worker-thread hand-off for it
    return request.app.state.ratings


RatingsDep = Annotated[Ratings, Depends(get_ratings)]
