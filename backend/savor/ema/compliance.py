"""How prompts fared: sent, answered on time, answered late, expired; and how fast she answered."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from pydantic import BaseModel


@dataclass(frozen=True)
class PromptFate:
    status: str
    scheduled_at: datetime
    sent_at: datetime | None
    completed_at: datetime | None
    answered_late: bool


class Compliance(BaseModel):
    due: int
    sent: int
    completed: int
    late: int
    expired: int
    open: int
    rate: float | None
    rate_with_late: float | None
    median_delay_seconds: float | None


def compliance(fates: Iterable[PromptFate], *, now: datetime) -> Compliance:
    """Counts over prompts already due; cancelled ones never reached her and are left out.

    `rate` is answered-on-time over prompts whose fate is settled (answered or expired), so a
    prompt still open does not count against her yet.
    """
    due = [f for f in fates if f.status != "cancelled" and f.scheduled_at <= now]
    completed = [f for f in due if f.status == "completed" and not f.answered_late]
    late = [f for f in due if f.status == "completed" and f.answered_late]
    expired = [f for f in due if f.status == "expired"]
    settled = len(completed) + len(late) + len(expired)
    delays = [
        (f.completed_at - (f.sent_at or f.scheduled_at)).total_seconds()
        for f in completed + late
        if f.completed_at is not None
    ]
    return Compliance(
        due=len(due),
        sent=sum(f.sent_at is not None for f in due),
        completed=len(completed),
        late=len(late),
        expired=len(expired),
        open=len(due) - settled,
        rate=round(len(completed) / settled, 4) if settled else None,
        rate_with_late=round((len(completed) + len(late)) / settled, 4) if settled else None,
        median_delay_seconds=round(median(delays), 1) if delays else None,
    )
