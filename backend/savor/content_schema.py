"""The shapes every piece of content shares: practices, check-in instruments and protocols.

A base module: it imports no domain, so each domain's content models build on it.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

# Who a practice, a program entry or a check-in item is for.
Audience = Literal["all", "pregnant", "postpartum"]
# Surrounding spaces are dropped, and what is left must not be empty.
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Frozen(BaseModel):
    """Content as written: an unknown key is a mistake, not something to ignore, and nothing
    changes it once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StrictFrozen(Frozen):
    """Frozen content whose values are never coerced: `true` is no 1 and "3" is no 3, for
    answers checked against it."""

    model_config = ConfigDict(strict=True)


class Localized(Frozen):
    """Words she reads or hears, in both of the app's languages."""

    en: NonEmpty
    es: NonEmpty
