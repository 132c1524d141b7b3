"""A participant's prompts after planning: open, upcoming, opened, expired, cancelled."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, literal, or_, true, tuple_, update
from sqlmodel import Session, col, select

from savor.ema.decisions.probes import HIDDEN_KINDS  # probes and offers are no check-in
from savor.ema.models import Prompt
from savor.errors import AppError
from savor.studies.models import Participant

LIVE_STATUSES = ("scheduled", "sending", "sent", "opened")
# Two schedules may fall on the same minute (a random check-in on the diary's time): the order
# she sees them in is the plan's, the same at every read (PostgreSQL returns ties in any order).
SHOWN_ORDER = (col(Prompt.scheduled_at), col(Prompt.schedule_id), col(Prompt.id))


def cancel_future(*, session: Session, participant: Participant, now: datetime) -> None:
    """When she leaves the study nothing more reaches her, and an open wave closes too."""
    session.execute(
        update(Prompt)
        .where(col(Prompt.participant_id) == participant.id)
        .where(
            or_(
                col(Prompt.status).in_(("scheduled", "sending")),
                and_(col(Prompt.kind) == "wave", col(Prompt.status).in_(("sent", "opened"))),
            )
        )
        .values(status="cancelled", cancelled_at=now)
    )
    session.commit()


def open_prompts(*, session: Session, participant: Participant, now: datetime) -> list[Prompt]:
    """What she can answer now: due, not yet expired, not yet answered."""
    return list(
        session.exec(
            select(Prompt)
            .where(Prompt.participant_id == participant.id)
            .where(col(Prompt.status).in_(LIVE_STATUSES))
            .where(Prompt.scheduled_at <= now)
            .where(Prompt.expires_at > now)
            .where(col(Prompt.kind).not_in(HIDDEN_KINDS))
            .order_by(*SHOWN_ORDER)
        )
    )


def upcoming(*, session: Session, participant: Participant, now: datetime) -> Sequence[Prompt]:
    return session.exec(
        select(Prompt)
        .where(Prompt.participant_id == participant.id)
        .where(Prompt.status == "scheduled")
        .where(Prompt.scheduled_at > now)
        .where(col(Prompt.kind).not_in(HIDDEN_KINDS))  # her probe times stay a surprise
        .order_by(*SHOWN_ORDER)
    ).all()


def her_prompt(*, session: Session, participant: Participant, prompt_id: uuid.UUID) -> Prompt:
    prompt = session.get(Prompt, prompt_id)
    if prompt is None or prompt.participant_id != participant.id:
        raise unknown_prompt()
    return prompt


def is_open(prompt: Prompt, *, now: datetime) -> bool:
    """Whether she can still answer it: not answered, not expired, not cancelled."""
    return prompt.status in LIVE_STATUSES and prompt.expires_at > now


def unknown_prompt() -> AppError:
    # The same answer whether it does not exist or is another mother's: nothing to probe.
    return AppError(404, "unknown_prompt", "This check-in was not found.")


def mark_opened(*, session: Session, prompt: Prompt, now: datetime) -> Prompt:
    """The first opening counts; opening it again changes nothing."""
    if prompt.opened_at is None:
        prompt.opened_at = now
        if prompt.status in ("scheduled", "sending", "sent"):
            prompt.status = "opened"
        session.add(prompt)
        session.commit()
        session.refresh(prompt)
    return prompt


RECEIPTS = ("delivered", "shown", "clicked", "dismissed")


@dataclass(frozen=True)
class Receipt:
    """Her phone reported the push `event` at `at`: the phone's clock, in UTC, when the
    notification reached her, which the server may only learn later (it may have been
    offline)."""

    participant_id: uuid.UUID
    prompt_id: uuid.UUID
    event: str
    at: datetime
    # Counts only if the prompt is still open at this moment (the server's clock): her phone
    # sends `shown` with `delivered` before showing, and shows nothing for a closed prompt.
    if_open_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.event not in RECEIPTS:
            raise ValueError(f"unknown receipt {self.event!r}")


def store_receipts(session: Session, receipts: Sequence[Receipt]) -> list[bool]:
    """Receipts waiting for the writer thread, stored with one statement per kind: for each,
    whether it counted (only the first of each kind does).

    A receipt did not count when the prompt is not hers either; `her_prompt` tells the two
    apart. Receipts arrive by the thousand while prompts are being sent: one conditional
    UPDATE per kind, nothing read first, so two receipts racing each other cannot both
    count, and a group costs the single writer a few statements instead of one per phone.
    """
    first: dict[tuple[uuid.UUID, str], int] = {}
    for index, receipt in enumerate(receipts):
        first.setdefault((receipt.prompt_id, receipt.event), index)
    counted: set[tuple[uuid.UUID, str]] = set()
    for event in RECEIPTS:
        mine = [receipts[i] for (_, kind), i in first.items() if kind == event]
        if not mine:
            continue
        column = getattr(Prompt, f"{event}_at")
        result = session.execute(
            update(Prompt)
            .where(
                tuple_(col(Prompt.id), col(Prompt.participant_id)).in_(
                    [(r.prompt_id, r.participant_id) for r in mine]
                )
            )
            .where(column.is_(None))
            .where(_open_if_asked(mine))
            .values({column: case({r.prompt_id: r.at for r in mine}, value=col(Prompt.id))})
            .returning(col(Prompt.id)),
            execution_options={"synchronize_session": False},
        )
        counted |= {(prompt_id, event) for prompt_id in result.scalars()}
    return [
        first[(r.prompt_id, r.event)] == index and (r.prompt_id, r.event) in counted
        for index, r in enumerate(receipts)
    ]


def _open_if_asked(receipts: list[Receipt]) -> Any:
    """True for each receipt's prompt unless the receipt counts only while it is open."""
    asked = {r.prompt_id: r.if_open_at for r in receipts if r.if_open_at is not None}
    if not asked:
        return true()
    at_type = Prompt.__table__.c.expires_at.type  # type: ignore[attr-defined]
    moment = case({p: literal(at, at_type) for p, at in asked.items()}, value=col(Prompt.id))
    still_open = col(Prompt.status).in_(LIVE_STATUSES) & (col(Prompt.expires_at) > moment)
    return or_(col(Prompt.id).not_in(list(asked)), still_open)


def store_receipt_sets(session: Session, sets: Sequence[Sequence[Receipt]]) -> list[list[bool]]:
    """`store_receipts` for requests that each carry several receipts (a push's `delivered`
    and `shown`): all stored in one go, each request answered with its own."""
    flat = [receipt for receipts in sets for receipt in receipts]
    counted = iter(store_receipts(session, flat))
    return [[next(counted) for _ in receipts] for receipts in sets]


def expire_due(*, session: Session, now: datetime) -> int:
    result = session.execute(
        update(Prompt)
        .where(col(Prompt.status).in_(LIVE_STATUSES))
        .where(col(Prompt.expires_at) <= now)
        .values(status="expired", expired_at=now)
    )
    session.commit()
    return result.rowcount  # type: ignore[attr-defined]
