"""A phone for feeding an invariant a crafted world: no server, no clock, only her truth."""

import random
from datetime import datetime
from typing import Any

from savor.rehearsal.model import Model
from savor.rehearsal.phone import Phone
from savor.rehearsal.pulls import Table
from savor.rehearsal.pushbox import PushBox
from savor.rehearsal.world import World


def crafted_phone(enrolled_at: datetime, zone: str = "UTC") -> Phone:
    phone = Phone(
        number=0,
        code="",
        model=Model(),
        rng=random.Random(0),
        http=None,  # type: ignore[arg-type]
        calendar=None,  # type: ignore[arg-type]
        endpoint="https://push.example/1",
        zone=zone,
    )
    phone.truth.enrolled_at = enrolled_at
    return phone


def crafted_world(phone: Phone, end: datetime, tables: dict[str, Table], **rest: Any) -> World:
    """Her alone in the exports, as pseudonym P-1, with the datasets an invariant reads."""
    assert phone.truth.enrolled_at is not None
    her = {"pseudonym": "P-1", "enrolled_at_utc": phone.truth.enrolled_at.isoformat()}
    return World(
        phones=[phone],
        pushbox=PushBox(),
        pulled={},
        final={"participants": {("P-1",): her}, **tables},
        twice=[],
        compliance={},
        end=end,
        **rest,
    )
