"""What a rehearsal leaves to check: the phones with their ground truth, the push service's log,
the daily pulls and the final exports (invariants.py and its invariants_* modules check it;
report.py sums it up)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from savor.rehearsal.phone import Phone
from savor.rehearsal.pulls import Row, Table
from savor.rehearsal.pushbox import PushBox
from savor.studies.decision_rules import Decisions

Problems = list[dict[str, Any]]


@dataclass
class World:
    phones: list[Phone]
    pushbox: PushBox
    pulled: dict[str, Table]  # the union of the daily incremental pulls
    final: dict[str, Table]  # a full export of each dataset at the end
    twice: list[tuple[str, Row]]  # append-only rows that came in two pulls
    compliance: dict[str, Any]
    end: datetime
    trial: Decisions | None = None  # the protocol's decisions block, when it has one
    participants: list[dict[str, Any]] = field(default_factory=list)  # the research list
    # The consent version the study published during the run, and when.
    consent_published: tuple[int, datetime] | None = None


def at(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text).astimezone(UTC)


def ms(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000)


def pseudonyms(world: World) -> dict[str, Phone]:
    """Each phone's pseudonym, found by her enrollment moment (unique to the millisecond)."""
    by_moment = {ms(p.truth.enrolled_at): p for p in world.phones if p.truth.enrolled_at}
    found: dict[str, Phone] = {}
    for row in world.final["participants"].values():
        phone = by_moment.get(ms(at(row["enrolled_at_utc"])))  # type: ignore[arg-type]
        if phone is not None:
            found[row["pseudonym"]] = phone
    return found
