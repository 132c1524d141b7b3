"""A phone for feeding an invariant a crafted world: no server, no clock, only her truth."""

import random
from datetime import datetime

from savor.rehearsal.model import Model
from savor.rehearsal.phone import Phone


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
