"""Research API: staff alerts, their acknowledgement, and the study's signed webhook."""

import uuid

from fastapi import APIRouter

from savor.clock import utcnow
from savor.db import SessionDep
from savor.deps import SettingsDep
from savor.ema import alerts as ema_alerts
from savor.ema.alerts import StaffAlert
from savor.errors import AppError
from savor.research import webhook
from savor.research.access import ResearchAccess
from savor.research.deps import AlertsManager, audit
from savor.research.models import AlertPublic, StudyWebhook, WebhookPublic, WebhookUpdate
from savor.studies.models import Participant
from savor.studies.pseudonym import pseudonym

router = APIRouter(tags=["research"])


def _alert_view(access: ResearchAccess, alert: StaffAlert, participant: Participant) -> AlertPublic:
    return AlertPublic(
        id=alert.id,
        pseudonym=pseudonym(study_secret=access.study.secret, participant_id=participant.id),
        items=alert.items,
        created_at=alert.created_at,
        acknowledged_at=alert.acknowledged_at,
        acknowledged_by=alert.acknowledged_by,
    )


@router.get("/studies/{slug}/alerts", response_model=list[AlertPublic])
def read_alerts(
    slug: str, access: AlertsManager, session: SessionDep, open_only: bool = True
) -> list[AlertPublic]:
    """Staff alerts (when the protocol turns them on), oldest first (scope alerts:manage)."""
    pairs = ema_alerts.alerts_for(session=session, study=access.study, open_only=open_only)
    views = [_alert_view(access, a, p) for a, p in pairs]
    audit(session, access, "alerts.read", utcnow(), {"open_only": open_only, "rows": len(views)})
    return views


@router.post("/studies/{slug}/alerts/{alert_id}/acknowledge", response_model=AlertPublic)
def update_alert(
    slug: str, alert_id: uuid.UUID, access: AlertsManager, session: SessionDep
) -> AlertPublic:
    """A coordinator has seen the alert and acted on it (scope alerts:manage)."""
    now = utcnow()
    by = access.actor.removeprefix("token:")
    alert, participant = ema_alerts.acknowledge_alert(
        session=session, study=access.study, alert_id=alert_id, by=by, now=now
    )
    view = _alert_view(access, alert, participant)
    audit(session, access, "alerts.acknowledge", now, {"alert": str(alert.id)})
    return view


def _webhook_view(hook: StudyWebhook, *, with_secret: bool) -> WebhookPublic:
    secret = hook.secret if with_secret else None
    return WebhookPublic(url=hook.url, created_at=hook.created_at, secret=secret)


@router.put("/studies/{slug}/webhook", response_model=WebhookPublic)
def update_webhook(
    slug: str,
    body: WebhookUpdate,
    access: AlertsManager,
    session: SessionDep,
    settings: SettingsDep,
) -> WebhookPublic:
    """Post new alerts to this URL, signed with a new secret shown once (scope alerts:manage)."""
    now = utcnow()
    policy = settings.outbound_policy
    hook = webhook.set_webhook(
        session=session, study=access.study, url=body.url, policy=policy, now=now
    )
    view = _webhook_view(hook, with_secret=True)
    audit(session, access, "webhook.set", now, {"url": body.url})
    return view


@router.get("/studies/{slug}/webhook", response_model=WebhookPublic)
def read_webhook(slug: str, access: AlertsManager, session: SessionDep) -> WebhookPublic:
    """Where alerts are posted, without the secret (scope alerts:manage)."""
    hook = webhook.get_webhook(session=session, study=access.study)
    if hook is None:
        raise AppError(404, "no_webhook", "This study posts its alerts nowhere.")
    view = _webhook_view(hook, with_secret=False)
    audit(session, access, "webhook.read", utcnow())
    return view


@router.delete("/studies/{slug}/webhook", status_code=204)
def delete_webhook(slug: str, access: AlertsManager, session: SessionDep) -> None:
    """Stop posting alerts anywhere (scope alerts:manage)."""
    webhook.remove_webhook(session=session, study=access.study)
    audit(session, access, "webhook.remove", utcnow())
