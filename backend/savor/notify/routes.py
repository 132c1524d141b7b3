"""Participant API: the key her browser subscribes with, and her devices' subscriptions."""

import uuid
from datetime import UTC

from fastapi import APIRouter, Request, Response

from savor.clock import utcnow
from savor.db import SessionDep
from savor.deps import SettingsDep, WriterDep
from savor.ema import prompts as ema_prompts
from savor.notify import health as notify_health
from savor.notify import service as notify_service
from savor.notify.health import NotificationHealth
from savor.notify.models import ReceiptIn, SubscriptionIn, SubscriptionRemove
from savor.studies.signin import ActiveParticipant, CurrentParticipant

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/push/public-key")
def read_push_public_key(request: Request) -> dict[str, str]:
    """The VAPID public key for PushManager.subscribe(applicationServerKey)."""
    return {"public_key": request.app.state.vapid_keys.public_key}


@router.get("/push/health", response_model=NotificationHealth)
def read_push_health(participant: CurrentParticipant, session: SessionDep) -> NotificationHealth:
    """Whether her notifications reach her, so the app can offer to fix them."""
    found = notify_health.notification_health(
        session=session, participant_ids=[participant.id], now=utcnow()
    )
    return found[participant.id]


@router.post("/push-subscriptions", status_code=201)
def create_push_subscription(
    body: SubscriptionIn,
    participant: ActiveParticipant,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> dict[str, str]:
    """Remember this device for notifications (sending it again is harmless)."""
    _, created = notify_service.save_subscription(
        session=session,
        participant=participant,
        body=body,
        policy=settings.outbound_policy,
        now=utcnow(),
    )
    if not created:
        response.status_code = 200
    return {"status": "subscribed"}


@router.delete("/push-subscriptions", status_code=204)
def delete_push_subscription(
    body: SubscriptionRemove, participant: CurrentParticipant, session: SessionDep
) -> None:
    """Stop notifications to this device."""
    notify_service.remove_subscription(
        session=session, participant=participant, endpoint=body.endpoint
    )


@router.post("/prompts/{prompt_id}/receipts", status_code=201)
def create_receipt(
    prompt_id: uuid.UUID,
    body: ReceiptIn,
    participant: ActiveParticipant,
    session: SessionDep,
    writer: WriterDep,
    response: Response,
) -> dict[str, str | bool | list[str]]:
    """Her phone got, showed, or she tapped or dismissed, this notification (first one counts).

    The answer says whether the prompt is still open: her phone shows nothing for a push that
    reached it after she answered elsewhere or the prompt closed.
    """
    now = utcnow()
    reported = body.reported()
    receipts = [
        ema_prompts.Receipt(
            participant.id, prompt_id, r.event, r.at.astimezone(UTC), now if r.if_open else None
        )
        for r in reported
    ]
    counted = writer.submit_item(ema_prompts.store_receipt_sets, receipts)
    # Read after the write: a repeat, or not hers (a 404 then), or what the phone should do.
    prompt = ema_prompts.her_prompt(session=session, participant=participant, prompt_id=prompt_id)
    if not any(counted):
        response.status_code = 200
    return {
        "status": "recorded" if any(counted) else "already_recorded",
        "recorded": [r.event for r, c in zip(reported, counted, strict=True) if c],
        "prompt_open": ema_prompts.is_open(prompt, now=utcnow()),
        "prompt_status": prompt.status,
    }
