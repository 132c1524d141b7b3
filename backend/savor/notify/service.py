"""Her devices' push subscriptions: one per browser, moved when a device enrolls again."""

from datetime import datetime

from sqlmodel import Session, col, delete, select

from savor.errors import AppError
from savor.notify.models import PushSubscription, SubscriptionIn
from savor.notify.platforms import platform_family
from savor.notify.webpush import validate_subscription
from savor.outbound import Policy, push_endpoint_problem
from savor.studies.models import Participant


def save_subscription(
    *,
    session: Session,
    participant: Participant,
    body: SubscriptionIn,
    policy: Policy,
    now: datetime,
) -> tuple[PushSubscription, bool]:
    """Store or refresh a subscription to a push service `policy` allows; returns it and
    whether it is new."""
    try:
        validate_subscription(body.model_dump())
    except ValueError as exc:
        message = f"This push subscription is not usable: {exc}."
        raise AppError(422, "invalid_subscription", message) from exc
    if (problem := push_endpoint_problem(body.endpoint, policy)) is not None:
        raise AppError(422, "invalid_subscription", f"{problem}.")
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
    row.platform = platform_family(body.endpoint)
    row.installed, row.permission = body.installed, body.permission
    row.app_version, row.last_seen_at = body.app_version, now
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
