import dataclasses
import json
import socket
import stat
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import jwt

from savor.guarded_http import GuardedSession
from savor.notify.vapid import VAPID_KEY_FILE, VapidKeys, b64url_decode, load_or_create_vapid_keys
from savor.notify.webpush import (
    BACKOFF_CAP_SECONDS,
    PushResult,
    backoff_seconds,
    neutral_payload,
    parse_retry_after,
    send_push,
)
from savor.outbound import Policy
from tests.notify.push_service import PushService, b64url

SUBJECT = "mailto:research@savor.example.org"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
LOOPBACK = Policy(allow_loopback=True)  # the push service of these tests runs on this machine


@pytest.fixture(scope="module")
def keys() -> VapidKeys:
    return VapidKeys.from_private_key(ec.generate_private_key(ec.SECP256R1()))


def pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def send(subscription: dict, keys: VapidKeys, timeout: float = 2.0) -> PushResult:
    payload = neutral_payload("prompt", "7f1c", "en")
    with GuardedSession(LOOPBACK) as session:
        return send_push(
            subscription,
            payload,
            keys=keys,
            subject=SUBJECT,
            ttl=600,
            timeout=timeout,
            session=session,
        )


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_keys_are_created_once_and_reused(tmp_path: Path) -> None:
    first = load_or_create_vapid_keys(tmp_path / "data")
    again = load_or_create_vapid_keys(tmp_path / "data")
    assert again == first
    assert (tmp_path / "data" / VAPID_KEY_FILE).read_text() == first.private_key_pem


def test_created_key_file_is_readable_by_owner_only(tmp_path: Path) -> None:
    load_or_create_vapid_keys(tmp_path)
    assert stat.S_IMODE((tmp_path / VAPID_KEY_FILE).stat().st_mode) == 0o600


def test_public_key_is_an_uncompressed_p256_point(tmp_path: Path) -> None:
    keys = load_or_create_vapid_keys(tmp_path)
    point = b64url_decode(keys.public_key)
    assert len(point) == 65
    assert point[0] == 0x04
    assert "=" not in keys.public_key
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)


@pytest.mark.parametrize("form", ["pem", "pem-on-one-line", "raw"])
def test_configured_key_is_used_as_given(tmp_path: Path, form: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    configured = {
        "pem": pem(key),
        "pem-on-one-line": pem(key).replace("\n", "\\n"),
        "raw": b64url(key.private_numbers().private_value.to_bytes(32, "big")),
    }[form]
    keys = load_or_create_vapid_keys(tmp_path, configured)
    assert keys == VapidKeys.from_private_key(key)
    assert not (tmp_path / VAPID_KEY_FILE).exists()


@pytest.mark.parametrize(
    "configured",
    [
        "not a key",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        b64url(b"\x01" * 31),
        pem(ec.generate_private_key(ec.SECP384R1())),
    ],
    ids=["garbage", "broken-pem", "short-raw", "wrong-curve"],
)
def test_malformed_configured_key_is_refused(tmp_path: Path, configured: str) -> None:
    with pytest.raises(ValueError, match="VAPID private key"):
        load_or_create_vapid_keys(tmp_path, configured)


def test_corrupt_key_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / VAPID_KEY_FILE).write_text("garbage")
    with pytest.raises(ValueError, match=VAPID_KEY_FILE):
        load_or_create_vapid_keys(tmp_path)


def test_private_key_stays_out_of_repr(keys: VapidKeys) -> None:
    assert "PRIVATE" not in repr(keys)


def test_push_is_received_with_valid_vapid_and_decrypts_to_the_payload(
    push_service: PushService, keys: VapidKeys
) -> None:
    browser = push_service.subscribe()
    payload = neutral_payload("reminder", "5d2a", "es")

    with GuardedSession(LOOPBACK) as session:
        result = send_push(
            browser.to_json(),
            payload,
            keys=keys,
            subject=SUBJECT,
            ttl=900,
            timeout=2.0,
            session=session,
        )

    assert (result.outcome, result.status) == ("sent", 201)
    assert push_service.refusals == []
    [received] = push_service.received
    assert received.json() == payload
    assert received.vapid_key == keys.public_key
    assert received.claims["aud"] == push_service.origin
    assert received.claims["sub"] == SUBJECT
    assert received.ttl == 900


def claims_of(headers: dict) -> dict:
    token = headers["Authorization"].split("t=", 1)[1].split(",", 1)[0]
    return json.loads(b64url_decode(token.split(".")[1]))


def test_a_vapid_token_is_signed_once_per_push_service_for_an_hour(keys: VapidKeys) -> None:
    first = keys.authorization(audience="https://push.one.example", subject=SUBJECT, now=10_000)

    later = keys.authorization(audience="https://push.one.example", subject=SUBJECT, now=13_599)
    other = keys.authorization(audience="https://push.two.example", subject=SUBJECT, now=13_599)

    assert later is first
    assert claims_of(first) == {"aud": "https://push.one.example", "exp": 53_200, "sub": SUBJECT}
    assert claims_of(other)["aud"] == "https://push.two.example"


def test_a_vapid_token_is_signed_anew_after_an_hour(keys: VapidKeys) -> None:
    first = keys.authorization(audience="https://push.three.example", subject=SUBJECT, now=10_000)

    renewed = keys.authorization(audience="https://push.three.example", subject=SUBJECT, now=13_600)

    assert claims_of(renewed)["exp"] == 13_600 + 12 * 3600 > claims_of(first)["exp"]


def test_a_clock_set_back_gets_a_token_signed_for_its_own_time(keys: VapidKeys) -> None:
    keys.authorization(audience="https://push.four.example", subject=SUBJECT, now=50_000)

    earlier = keys.authorization(audience="https://push.four.example", subject=SUBJECT, now=10_000)

    assert claims_of(earlier)["exp"] == 10_000 + 12 * 3600


def test_many_pushes_to_one_service_share_its_connection_and_token(
    push_service: PushService, keys: VapidKeys
) -> None:
    session = GuardedSession(LOOPBACK)
    browsers = [push_service.subscribe().to_json() for _ in range(3)]
    payload = neutral_payload("prompt", "7f1c", "en")

    results = [
        send_push(b, payload, keys=keys, subject=SUBJECT, ttl=60, timeout=2.0, session=session)
        for b in browsers
    ]

    assert [r.outcome for r in results] == ["sent"] * 3
    assert len({r.vapid_key for r in push_service.received}) == 1
    assert len({json.dumps(r.claims, sort_keys=True) for r in push_service.received}) == 1
    assert push_service.connections == 1


@pytest.mark.parametrize("status", [404, 410])
def test_expired_subscription_is_gone(
    push_service: PushService, keys: VapidKeys, status: int
) -> None:
    browser = push_service.subscribe()
    push_service.answer(browser, status)
    result = send(browser.to_json(), keys)
    assert (result.outcome, result.status) == ("gone", status)


def test_rate_limited_push_is_retried_after_the_given_delay(
    push_service: PushService, keys: VapidKeys
) -> None:
    browser = push_service.subscribe()
    push_service.answer(browser, 429, {"Retry-After": "120"})
    result = send(browser.to_json(), keys)
    assert (result.outcome, result.status, result.retry_after) == ("retry", 429, 120)


def test_server_error_is_retried(push_service: PushService, keys: VapidKeys) -> None:
    browser = push_service.subscribe()
    push_service.answer(browser, 500)
    result = send(browser.to_json(), keys)
    assert (result.outcome, result.status, result.retry_after) == ("retry", 500, None)


def test_bad_request_is_rejected(push_service: PushService, keys: VapidKeys) -> None:
    browser = push_service.subscribe()
    push_service.answer(browser, 400)
    result = send(browser.to_json(), keys)
    assert (result.outcome, result.status) == ("rejected", 400)


def test_refused_connection_is_retried_without_raising(keys: VapidKeys) -> None:
    subscription = PushService.fake_subscription(f"http://127.0.0.1:{closed_port()}/push/x")
    result = send(subscription, keys)
    assert (result.outcome, result.status) == ("retry", None)


def test_silent_push_service_is_retried_after_the_timeout(keys: VapidKeys) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}/push/x"
        result = send(PushService.fake_subscription(endpoint), keys, timeout=0.05)
    assert (result.outcome, result.status) == ("retry", None)
    assert "0.05" in result.reason


def test_malformed_subscription_is_rejected_without_a_request(
    push_service: PushService, keys: VapidKeys
) -> None:
    subscription = push_service.subscribe().to_json()
    subscription["keys"]["p256dh"] = b64url(b"\x04" * 33)
    result = send(subscription, keys)
    assert (result.outcome, result.status) == ("rejected", None)
    assert push_service.received == []


def test_subject_must_be_mailto_or_https(keys: VapidKeys) -> None:
    subscription = PushService.fake_subscription("http://127.0.0.1:9/push/x")
    with pytest.raises(ValueError, match="VAPID subject"):
        send_push(subscription, {}, keys=keys, subject="admin", ttl=60, timeout=1)


@pytest.mark.parametrize("tamper", ["other-aud", "expired", "beyond-24h", "no-sub", "other-k"])
def test_push_service_refuses_a_bad_vapid_token(
    push_service: PushService, keys: VapidKeys, tamper: str
) -> None:
    # The local service must really check VAPID, or the sending tests prove nothing.
    browser = push_service.subscribe()
    claims = {"aud": push_service.origin, "sub": SUBJECT, "exp": int(time.time()) + 3600}
    k = keys.public_key
    if tamper == "other-aud":
        claims["aud"] = "http://127.0.0.1:1"
    elif tamper == "expired":
        claims["exp"] = int(time.time()) - 1
    elif tamper == "beyond-24h":
        claims["exp"] = int(time.time()) + 25 * 3600
    elif tamper == "no-sub":
        del claims["sub"]
    else:
        k = VapidKeys.from_private_key(ec.generate_private_key(ec.SECP256R1())).public_key
    token = jwt.sign(claims, keys.vapid().private_key)
    headers = {"Authorization": f"vapid t={token}, k={k}", "TTL": "60"}
    response = requests.post(browser.endpoint, data=b"x", headers=headers, timeout=2)
    assert response.status_code == 401
    assert push_service.received == []


def test_retry_after_as_http_date() -> None:
    assert parse_retry_after("Sat, 01 Mar 2025 12:01:30 GMT", now=NOW) == 90
    assert parse_retry_after("soon", now=NOW) is None


def test_backoff_doubles_then_stops_at_the_cap() -> None:
    delays = [backoff_seconds(attempt, None) for attempt in range(12)]
    assert delays[:4] == [60, 120, 240, 480]
    assert delays == sorted(delays)
    assert max(delays) == BACKOFF_CAP_SECONDS == delays[-1]
    assert backoff_seconds(10_000, None) == BACKOFF_CAP_SECONDS


def test_backoff_honors_a_longer_retry_after() -> None:
    assert backoff_seconds(0, 900) == 900
    assert backoff_seconds(3, 10) == 480


@pytest.mark.parametrize("kind", ["prompt", "reminder"])
@pytest.mark.parametrize("language", ["en", "es", "es-MX"])
def test_neutral_payload_carries_no_item_text(kind: str, language: str) -> None:
    payload = neutral_payload(kind, "a1b2", language)
    assert set(payload) == {"type", "prompt_id", "title", "body"}
    assert (payload["type"], payload["prompt_id"], payload["title"]) == (kind, "a1b2", "Savor")
    text = json.dumps(payload, ensure_ascii=False).lower()
    for word in ["craving", "deseo", "drug", "alcohol", "relapse", "recovery", "mood", "study"]:
        assert word not in text


def test_neutral_payload_may_say_when_its_prompt_closes_in_utc() -> None:
    closes = datetime(2026, 3, 2, 8, 45, tzinfo=ZoneInfo("America/Chicago"))
    assert neutral_payload("prompt", "x", "en", closes)["expires_at"] == "2026-03-02T14:45:00Z"


def test_neutral_payload_speaks_the_participants_language() -> None:
    assert neutral_payload("prompt", "x", "es")["body"] == "Es hora de un breve registro"
    assert neutral_payload("prompt", "x", "en")["body"] == "Time for a short check-in"


def test_unknown_notification_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        neutral_payload("craving-alert", "x", "en")


def test_a_sealed_push_service_checks_and_decrypts_every_message_afterwards(keys):
    # As the dispatch benchmark uses it: nothing costly while messages come in.
    with PushService(sealed=True) as service:
        browser = service.subscribe()
        assert send(browser.to_json(), keys).outcome == "sent"
        [kept] = service.kept
        stranger = VapidKeys.from_private_key(ec.generate_private_key(ec.SECP256R1()))
        forged = kept.authorization.replace(keys.public_key, stranger.public_key)
        service.kept.append(dataclasses.replace(kept, authorization=forged))
        assert service.received == []
        opened, refused = service.open_sealed()
    assert [message.json()["prompt_id"] for message in opened] == ["7f1c"]
    assert len(refused) == 1 and "signature" in refused[0]
