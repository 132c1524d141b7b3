"""Send one Web Push message and tell the caller what to do next; no database, no FastAPI.

Payloads are shown on lock screens that others may see, so they stay neutral: only the kind,
the prompt id and a fixed "Savor / Time for a short check-in" text; never an item's wording,
a practice, a feeling, a substance or the study's name. Build them with `neutral_payload`.
"""

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal, cast
from urllib.parse import urlsplit

import requests
import urllib3
from py_vapid import VapidException
from pywebpush import WebPushException, webpush

from savor import outbound
from savor.clock import utcnow
from savor.guarded_http import Answer, GuardedSession, LeanPoster
from savor.notify.vapid import VapidKeys, b64url_decode

Outcome = Literal["sent", "gone", "retry", "rejected"]

BACKOFF_BASE_SECONDS = 60
BACKOFF_CAP_SECONDS = 6 * 3600
MAX_REASON_CHARS = 200

NEUTRAL_TEXT = {
    "prompt": {"en": "Time for a short check-in", "es": "Es hora de un breve registro"},
    # An offer drawn at a random-time probe: no practice named, opens it in the app.
    "offer": {"en": "A few quiet minutes for you", "es": "Unos minutos de calma para ti"},
    "reminder": {
        "en": "A short check-in is still open",
        "es": "Tienes un breve registro pendiente",
    },
}
SUBJECT_PATTERN = re.compile(r"^(mailto:[^@\s]+@[^@\s]+|https://[^/\s]+(/\S*)?)$")


@dataclass(frozen=True)
class PushResult:
    outcome: Outcome  # gone: delete the subscription; retry: try again after backoff_seconds
    status: int | None  # None when no HTTP answer came back
    reason: str
    retry_after: int | None = None


def neutral_payload(
    kind: str, prompt_id: str, language: str, expires_at: datetime | None = None
) -> dict[str, str]:
    """The only payload Savor sends: fixed text, nothing from the item or the participant.

    `expires_at` (UTC) lets her phone stay silent for a push that arrives after its prompt
    closed: a push service may hold one for as long as the prompt was open.
    """
    if kind not in NEUTRAL_TEXT:
        raise ValueError(f"unknown notification kind {kind!r}")
    lang = "es" if language.lower().startswith("es") else "en"
    body = NEUTRAL_TEXT[kind][lang]
    payload = {"type": kind, "prompt_id": prompt_id, "title": "Savor", "body": body}
    if kind == "offer":
        payload["url"] = f"/#/offer/{prompt_id}"
    if expires_at is not None:
        payload["expires_at"] = expires_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return payload


def check_subject(subject: str) -> str:
    """The VAPID `sub` claim: a mailto: address or an https URL the push service can reach."""
    if not SUBJECT_PATTERN.match(subject):
        raise ValueError("VAPID subject must be mailto:someone@example.org or an https:// URL")
    return subject


def validate_subscription(subscription: Mapping[str, Any]) -> None:
    """Raise ValueError unless this looks like a browser's PushSubscription.toJSON()."""
    endpoint = subscription.get("endpoint")
    keys = subscription.get("keys")
    if not isinstance(endpoint, str) or urlsplit(endpoint).scheme not in ("http", "https"):
        raise ValueError("endpoint must be an http(s) URL")
    if not urlsplit(endpoint).hostname:
        raise ValueError("endpoint has no host")
    if not isinstance(keys, Mapping):
        raise ValueError("keys.p256dh and keys.auth are required")
    try:
        p256dh = b64url_decode(keys["p256dh"])
        auth = b64url_decode(keys["auth"])
    except (KeyError, TypeError, ValueError):
        raise ValueError("keys.p256dh and keys.auth must be URL-safe base64") from None
    if len(p256dh) != 65 or p256dh[0] != 4:
        raise ValueError("keys.p256dh must be an uncompressed P-256 point (65 bytes)")
    if len(auth) != 16:
        raise ValueError("keys.auth must be 16 bytes")


def send_push(
    subscription: Mapping[str, Any],
    payload: Mapping[str, Any],
    *,
    keys: VapidKeys,
    subject: str,
    ttl: int,
    timeout: float,
    session: GuardedSession | None = None,
) -> PushResult:
    """Encrypt (aes128gcm), sign (VAPID) and POST one message; never raises for a failed send.

    A shared `session` keeps connections to each push service open between messages; its
    policy says where they may go (savor.outbound), the strict one when none is given.
    """
    if session is None:
        with GuardedSession(outbound.Policy()) as own:
            return send_push(
                subscription,
                payload,
                keys=keys,
                subject=subject,
                ttl=ttl,
                timeout=timeout,
                session=own,
            )
    check_subject(subject)
    if ttl < 0:
        raise ValueError("ttl must be >= 0 seconds")
    try:
        validate_subscription(subscription)
    except ValueError as exc:
        return PushResult("rejected", None, f"invalid subscription: {exc}")
    # Subscriptions stored before the policy (or a setting) changed are checked again here.
    if problem := outbound.push_endpoint_problem(subscription["endpoint"], session.policy):
        return PushResult("rejected", None, _short(problem))
    now = utcnow()
    parts = urlsplit(subscription["endpoint"])
    audience = f"{parts.scheme}://{parts.netloc}"
    try:
        authorization = keys.authorization(
            audience=audience, subject=subject, now=int(now.timestamp())
        )
        response = webpush(
            dict(subscription),
            data=json.dumps(payload, separators=(",", ":"), ensure_ascii=False),
            headers=authorization,
            content_encoding="aes128gcm",
            ttl=ttl,
            timeout=timeout,
            requests_session=LeanPoster(session),  # type: ignore[arg-type]  (posts alike)
        )
    except WebPushException as exc:
        if exc.response is None:
            return PushResult("rejected", None, _short(exc.message))
        response = exc.response
    except outbound.Refused as exc:
        return PushResult("rejected", None, _short(f"not contacted: {exc}"))
    except VapidException as exc:
        return PushResult("rejected", None, _short(f"cannot sign for this endpoint: {exc}"))
    except (requests.Timeout, urllib3.exceptions.TimeoutError):
        return PushResult("retry", None, f"no answer within {timeout:g} s")
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        return PushResult("retry", None, _short(f"network error: {type(exc).__name__}"))
    response = cast(Answer, response)  # a str only in pywebpush's curl mode
    return classify(
        response.status_code,
        f"{response.status_code} {response.reason} {response.text}".strip(),
        response.headers.get("Retry-After"),
        now=now,
    )


def classify(status: int, reason: str, retry_after: str | None, *, now: datetime) -> PushResult:
    """What a push service's answer means for us (RFC 8030 section 5 and 8)."""
    if 200 <= status < 300:
        return PushResult("sent", status, _short(reason))
    if status in (404, 410):
        return PushResult("gone", status, _short(reason))
    if status == 429 or status >= 500:
        return PushResult("retry", status, _short(reason), parse_retry_after(retry_after, now=now))
    return PushResult("rejected", status, _short(reason))


def parse_retry_after(value: str | None, *, now: datetime) -> int | None:
    """Seconds from a Retry-After header: either delay-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, math.ceil((when - now).total_seconds()))


def backoff_seconds(attempt: int, retry_after: int | None) -> int:
    """Delay before retry number `attempt` (0 first): 1, 2, 4 ... min up to 6 h, or Retry-After."""
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    delay = min(BACKOFF_BASE_SECONDS * 2 ** min(attempt, 16), BACKOFF_CAP_SECONDS)
    return max(delay, retry_after or 0)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"
