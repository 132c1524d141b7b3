"""Her devices' push subscriptions: one per browser, moved when a device enrolls again."""

from datetime import datetime

from sqlmodel import Session, col, delete, select

from savor.errors import AppError
from savor.notify.models import PushSubscription, SubscriptionIn
from savor.notify.webpush import validate_subscription
from savor.studies.models import Participant
from savor.urls import outbound_url_problem


def save_subscription(
    *, session: Session, participant: Participant, body: SubscriptionIn, now: datetime
) -> tuple[PushSubscription, bool]:
    """Store or refresh a subscription; returns it and whether it is new."""
    try:
        validate_subscription(body.model_dump())
    except ValueError as exc:
        message = f"This push subscription is not usable: {exc}."
        raise AppError(422, "invalid_subscription", message) from exc
    if (problem := outbound_url_problem(body.endpoint)) is not None:
        raise AppError(422, "invalid_subscription", f"The push endpoint {problem}.")
    row = session.exec(
        select(PushSubscription).where(PushSubscription.endpoint == body.endpoint)
    ).first()
    created = row is None
    if row is None:
        row = PushSubscription(
            endpoint=body.endpoint,
            participant_id=participant.id,
            p256dh="",
            auth="",
            created_at=now,
        )
    # A browser re-subscribing (or a phone enrolled again) takes the endpoint over.
    row.participant_id = participant.id
    row.p256dh, row.auth, row.failures = body.keys["p256dh"], body.keys["auth"], 0
    session.add(row)
    session.commit()
    session.refresh(row)
    return row, created


def remove_subscription(*, session: Session, participant: Participant, endpoint: str) -> None:
    session.execute(
        delete(PushSubscription)
        .where(col(PushSubscription.participant_id) == participant.id)
        .where(col(PushSubscription.endpoint) == endpoint)
    )
    session.commit()


def remove_all(*, session: Session, participant: Participant) -> None:
    session.execute(
        delete(PushSubscription).where(col(PushSubscription.participant_id) == participant.id)
    )
    session.commit()
