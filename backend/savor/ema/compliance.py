"""How prompts fared: sent, answered on time, answered late, expired; how far each unanswered
one got on its way to her; and how fast it reached her and she answered."""

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
    pushed: int = 0
    delivered_at: datetime | None = None
    shown_at: datetime | None = None
    clicked_at: datetime | None = None
    opened_at: datetime | None = None


class Unanswered(BaseModel):
    """Each expired prompt by how far it got: these four add up to `expired`."""

    never_sent: int = Field(description="no device took the push (none subscribed, or refused)")
    not_delivered: int = Field(description="a push service took it; her phone never reported it")
    not_opened: int = Field(description="it reached her phone; she did not open the check-in")
    not_completed: int = Field(description="she opened the check-in and did not finish it")


class Compliance(BaseModel):
    """How her prompts fared, counted over prompts already due (scheduled before now);
    cancelled prompts never reached her and are not counted."""

    due: int = Field(description="prompts scheduled before now, not cancelled")
    sent: int = Field(description="of those, prompts sent to her phone")
    delivered: int = Field(
        description="of those, prompts her phone reported delivered or shown, or she opened"
    )
    completed: int = Field(description="of those, answered before they expired (on time)")
    late: int = Field(description="of those, answered after they expired (kept, flagged late)")
    expired: int = Field(description="of those, expired unanswered")
    open: int = Field(
        description="of those, not settled yet: due, not answered and not expired; counted in "
        "no rate"
    )
    unanswered: Unanswered = Field(
        description="the expired prompts by how far each got on its way to her"
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
    median_delivery_seconds: float | None = Field(
        description="median seconds from due to her phone's delivered receipt (its clock); null "
        "when no receipt came"
    )


def stage(fate: PromptFate) -> str:
    """The furthest a prompt got: an opening counts as delivered even without a receipt (an
    older app sends none)."""
    if fate.opened_at is not None or fate.clicked_at is not None:
        return "opened"
    if fate.delivered_at is not None or fate.shown_at is not None:
        return "delivered"
    if fate.sent_at is not None and fate.pushed > 0:
        return "sent"
    return "never_sent"


def _unanswered(expired: list[PromptFate]) -> Unanswered:
    stages = [stage(f) for f in expired]
    return Unanswered(
        never_sent=stages.count("never_sent"),
        not_delivered=stages.count("sent"),
        not_opened=stages.count("delivered"),
        not_completed=stages.count("opened"),
    )


def _median(seconds: list[float]) -> float | None:
    return round(median(seconds), 1) if seconds else None


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
    deliveries = [
        (f.delivered_at - f.scheduled_at).total_seconds() for f in due if f.delivered_at is not None
    ]
    return Compliance(
        due=len(due),
        sent=sum(f.sent_at is not None for f in due),
        delivered=sum(stage(f) in ("delivered", "opened") for f in due),
        completed=len(completed),
        late=len(late),
        expired=len(expired),
        open=len(due) - settled,
        unanswered=_unanswered(expired),
        rate=round(len(completed) / settled, 4) if settled else None,
        rate_with_late=round((len(completed) + len(late)) / settled, 4) if settled else None,
        median_delay_seconds=_median(delays),
        median_delivery_seconds=_median(deliveries),
    )
