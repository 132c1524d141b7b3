"""How prompts fared: sent, answered on time, answered late, expired; and how fast she answered."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from pydantic import BaseModel, Field


@dataclass(frozen=True)
class PromptFate:
    status: str
    scheduled_at: datetime
    sent_at: datetime | None
    completed_at: datetime | None
    answered_late: bool


class Compliance(BaseModel):
    """How her prompts fared, counted over prompts already due (scheduled before now);
    cancelled prompts never reached her and are not counted."""

    due: int = Field(description="prompts scheduled before now, not cancelled")
    sent: int = Field(description="of those, prompts sent to her phone")
    completed: int = Field(description="of those, answered before they expired (on time)")
    late: int = Field(description="of those, answered after they expired (kept, flagged late)")
    expired: int = Field(description="of those, expired unanswered")
    open: int = Field(
        description="of those, not settled yet: due, not answered and not expired; counted in "
        "no rate"
    )
    rate: float | None = Field(
        description="on-time answered over settled prompts: completed / (completed + late + "
        "expired), 0-1. A prompt still open is not counted, so a participant whose only due "
        "prompt is still open has no rate (null), and one with one answered and one open has "
        "1.0. Null when nothing is settled yet"
    )
    rate_with_late: float | None = Field(
        description="answered at all over settled prompts: (completed + late) / (completed + "
        "late + expired), 0-1; null when nothing is settled yet"
    )
    median_delay_seconds: float | None = Field(
        description="median seconds from sending (or scheduling, when never sent) to answer, "
        "over answered prompts, late ones included; null when none was answered"
    )


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
