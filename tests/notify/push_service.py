"""A real Web Push service on loopback: checks VAPID, decrypts aes128gcm, records, answers.

It plays both sides a browser relies on: `subscribe()` makes what PushManager.subscribe()
would (a P-256 key pair and a 16-byte auth secret), and the HTTP side behaves like a push
service (RFC 8030 / 8291 / 8292), verified independently of py_vapid and pywebpush.

`PushService(sealed=True)` keeps each message as it came (ciphertext and headers) and checks
nothing costly while it runs, as a real push service never decrypts (only the phone can);
`open_sealed()` then checks the VAPID token and decrypts every message kept. Benchmarks use
it so that the checks do not take the CPU the sender is measured on.
"""

import base64
import json
import ssl
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MAX_TOKEN_SECONDS = 24 * 3600


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class VapidError(Exception):
    pass


@dataclass(frozen=True)
class BrowserSubscription:
    id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    def to_json(self) -> dict[str, Any]:
        """As PushSubscription.toJSON() gives it to the page."""
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)},
        }


@dataclass(frozen=True)
class Received:
    subscription_id: str
    payload: bytes  # decrypted
    claims: dict[str, Any]
    vapid_key: str  # the k= of the Authorization header
    ttl: int
    at: float = 0.0  # time.time() when the request had been read, for lag measurements

    def json(self) -> Any:
        return json.loads(self.payload)


@dataclass(frozen=True)
class Sealed:
    """A message as a real push service holds it: encrypted, its headers not yet checked."""

    subscription_id: str
    body: bytes
    authorization: str | None
    ttl: int  # -1 when the header was missing
    encoding: str | None
    at: float


def verify_vapid(authorization: str | None, *, origin: str, now: float) -> tuple[dict, str]:
    """The claims and k of a valid `vapid t=<JWT>, k=<key>` header (RFC 8292), else VapidError."""
    scheme, _, params = (authorization or "").partition(" ")
    if scheme.lower() != "vapid":
        raise VapidError(f"Authorization scheme is {scheme!r}, not vapid")
    fields = dict(part.strip().split("=", 1) for part in params.split(",") if "=" in part)
    token, key = fields.get("t", ""), fields.get("k", "")
    try:
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        claims = json.loads(b64url_decode(claims_b64))
        signature = b64url_decode(signature_b64)
    except ValueError as exc:
        raise VapidError(f"malformed t or k: {exc}") from None
    if header.get("alg") != "ES256" or len(signature) != 64:
        raise VapidError("token is not ES256")
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    try:
        public.verify(
            encode_dss_signature(r, s),
            f"{header_b64}.{claims_b64}".encode(),
            ec.ECDSA(hashes.SHA256()),
        )
    except InvalidSignature:
        raise VapidError("signature does not match k") from None
    if claims.get("aud") != origin:
        raise VapidError(f"aud {claims.get('aud')!r} is not {origin!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or not now < exp <= now + MAX_TOKEN_SECONDS:
        raise VapidError(f"exp {exp!r} is not within the next 24 h")
    if not claims.get("sub"):
        raise VapidError("sub is missing")
    return claims, key


class PushService:
    """Use as a context manager; the server thread and its socket close on exit."""

    def __init__(self, *, sealed: bool = False, tls: ssl.SSLContext | None = None) -> None:
        self.sealed = sealed
        self.kept: list[Sealed] = []  # sealed: what arrived, checked by open_sealed()
        self._lock = threading.Lock()
        self._subscriptions: dict[str, BrowserSubscription] = {}
        self._answers: dict[str, tuple[int, dict[str, str]]] = {}
        self.received: list[Received] = []
        self.refusals: list[str] = []
        self.connections = 0  # TCP connections accepted
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.service = self  # type: ignore[attr-defined]
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        if tls is not None:  # https, by name: a certificate names a host
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self.origin = f"https://localhost:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def __enter__(self) -> "PushService":
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @staticmethod
    def fake_subscription(endpoint: str) -> dict[str, Any]:
        """A well-formed subscription for an endpoint this service does not serve."""
        key = ec.generate_private_key(ec.SECP256R1())
        return BrowserSubscription("x", endpoint, key, bytes(16)).to_json()

    def subscribe(self) -> BrowserSubscription:
        sub_id = uuid.uuid4().hex
        subscription = BrowserSubscription(
            id=sub_id,
            endpoint=f"{self.origin}/push/{sub_id}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=uuid.uuid4().bytes,
        )
        with self._lock:
            self._subscriptions[sub_id] = subscription
        return subscription

    def answer(
        self, subscription: BrowserSubscription, status: int, headers: dict[str, str] | None = None
    ) -> None:
        """Answer every later push to this subscription with this status and headers."""
        with self._lock:
            self._answers[subscription.id] = (status, headers or {})

    def handle(
        self, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        arrived = time.time()
        sub_id = path.removeprefix("/push/")
        if self.sealed:
            if not self._keep(sub_id, headers, body, arrived):
                return 404, {}, b"no such subscription"
            return 201, {"Location": f"/message/{sub_id}"}, b""
        with self._lock:
            subscription = self._subscriptions.get(sub_id)
            status, extra = self._answers.get(sub_id, (201, {"Location": f"/message/{sub_id}"}))
        if subscription is None:
            return 404, {}, b"no such subscription"
        try:
            claims, key = verify_vapid(
                headers.get("Authorization"), origin=self.origin, now=time.time()
            )
        except VapidError as exc:
            return self._refuse(401, f"VAPID: {exc}")
        ttl = headers.get("TTL", "")
        if not ttl.isdigit():
            return self._refuse(400, "TTL header missing")
        if headers.get("Content-Encoding") != "aes128gcm":
            return self._refuse(415, f"Content-Encoding {headers.get('Content-Encoding')!r}")
        try:
            payload = http_ece.decrypt(
                body,
                private_key=subscription.private_key,
                auth_secret=subscription.auth,
                version="aes128gcm",
            )
        except (http_ece.ECEException, ValueError) as exc:
            return self._refuse(400, f"cannot decrypt: {getattr(exc, 'message', exc)}")
        with self._lock:
            self.received.append(Received(sub_id, payload, claims, key, int(ttl), arrived))
        return status, extra, b""

    def _keep(self, sub_id: str, headers: Mapping[str, str], body: bytes, at: float) -> bool:
        """Sealed: keep the message unopened; False when there is nothing to keep it for."""
        ttl = headers.get("TTL", "")
        sealed = Sealed(
            sub_id,
            body,
            headers.get("Authorization"),
            int(ttl) if ttl.isdigit() else -1,
            headers.get("Content-Encoding"),
            at,
        )
        with self._lock:
            if sub_id not in self._subscriptions:
                return False
            self.kept.append(sealed)
        return True

    def open_sealed(self) -> tuple[list[Received], list[str]]:
        """Every kept message checked as `handle` checks one: VAPID (as of its arrival), TTL,
        decryption. Returns what passed, in order of arrival, and why the others did not."""
        with self._lock:
            kept = list(self.kept)
        opened: list[Received] = []
        refused: list[str] = []
        for message in kept:
            subscription = self._subscriptions[message.subscription_id]
            try:
                claims, key = verify_vapid(
                    message.authorization, origin=self.origin, now=message.at
                )
                if message.ttl < 0:
                    raise ValueError("TTL header missing")
                if message.encoding != "aes128gcm":
                    raise ValueError(f"Content-Encoding {message.encoding!r}")
                payload = http_ece.decrypt(
                    message.body,
                    private_key=subscription.private_key,
                    auth_secret=subscription.auth,
                    version="aes128gcm",
                )
            except (VapidError, http_ece.ECEException, ValueError) as exc:
                refused.append(f"{message.subscription_id}: {getattr(exc, 'message', exc)}")
                continue
            opened.append(
                Received(message.subscription_id, payload, claims, key, message.ttl, message.at)
            )
        return opened, refused

    def _refuse(self, status: int, reason: str) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.refusals.append(reason)
        return status, {}, reason.encode()


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops connections when a dispatcher sends many at once, and
    # the client waits a second or more to try again: a push service takes bursts.
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive, as every real push service offers: a sender reuses its connections.
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        service: PushService = self.server.service  # type: ignore[attr-defined]
        with service._lock:
            service.connections += 1

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        service: PushService = self.server.service  # type: ignore[attr-defined]
        status, headers, text = service.handle(self.path, self.headers, body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, format: str, *args: Any) -> None:
        pass
