"""A moment a phone sends: with its UTC offset, and within years any phone clock can mean.

A phone's clock can be anything (reset to year 1, set to 9999), and Python cannot take
`0001-01-01T00:00:00+14:00` to UTC at all (OverflowError). Every participant-facing body types
its times with `PhoneTime`, so such a time is a 422 naming the field, not a 500 the phone's
outbox retries for ever. The value is kept as sent (offset included), so the digest of a
replayed record does not change.
"""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)


def _within_range(value: datetime) -> datetime:
    # The local year first: only within it can the conversion to UTC not overflow.
    if not EARLIEST.year <= value.year <= LATEST.year or not (
        EARLIEST <= value.astimezone(UTC) <= LATEST
    ):
        raise PydanticCustomError(
            "time_out_of_range",
            "must be between {earliest} and {latest} (UTC); check the phone's date and time",
            {"earliest": EARLIEST.date().isoformat(), "latest": LATEST.date().isoformat()},
        )
    return value


PhoneTime = Annotated[AwareDatetime, AfterValidator(_within_range)]
# The same bounds for a time a researcher's script sends (a page cursor, say): year 1 at +14:00
# would otherwise be a 500 there too.
BoundedTime = PhoneTime
