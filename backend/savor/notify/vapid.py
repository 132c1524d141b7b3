"""VAPID keys: configured, or created once in data_dir and reused on every later start."""

import base64
import binascii
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid

from savor.filemodes import create_once

VAPID_KEY_FILE = "vapid_private.pem"
TOKEN_SECONDS = 12 * 3600  # push services refuse tokens valid for more than 24 h
# A signed token is reused for this long: signing every message cost as much as encrypting
# it, and a token still has 11 hours to live when it is replaced.
RESIGN_AFTER_SECONDS = 3600
MAX_SIGNED_AUDIENCES = 256  # push services are few; a flood of odd endpoints cannot grow this


@dataclass(frozen=True)
class VapidKeys:
    # Kept out of repr so a logged settings object or result never shows the key.
    private_key_pem: str = field(repr=False)
    public_key: str  # URL-safe base64 of the uncompressed P-256 point: applicationServerKey
    _signer: Vapid = field(init=False, repr=False, compare=False)
    # (audience, subject) -> (signed at, headers); shared by the sending threads, whose
    # racing writes are harmless: each stores an equally valid token.
    _signed: dict[tuple[str, str], tuple[int, dict[str, Any]]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        # "no-strict": the subject is checked by savor.notify.webpush.check_subject, which
        # also allows an https URL with a path (py_vapid's own check allows a bare host only).
        key = parse_private_key(self.private_key_pem)
        object.__setattr__(self, "_signer", Vapid(private_key=key, conf={"no-strict": True}))

    @classmethod
    def from_private_key(cls, key: ec.EllipticCurvePrivateKey) -> "VapidKeys":
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        point = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return cls(private_key_pem=pem, public_key=b64url(point))

    def vapid(self) -> Vapid:
        """The py_vapid signer (RFC 8292 `vapid t=..., k=...`)."""
        return self._signer

    def authorization(self, *, audience: str, subject: str, now: int) -> dict[str, Any]:
        """The VAPID header for one push service, valid for 12 h from when it was signed."""
        key = (audience, subject)
        signed = self._signed.get(key)
        if signed is not None and 0 <= now - signed[0] < RESIGN_AFTER_SECONDS:
            return signed[1]
        claims: dict[str, str | int] = {"sub": subject, "aud": audience, "exp": now + TOKEN_SECONDS}
        headers = self._signer.sign(claims)
        if len(self._signed) >= MAX_SIGNED_AUDIENCES:
            self._signed.clear()
        self._signed[key] = (now, headers)
        return headers


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from PEM (PKCS#8 or SEC 1) or raw URL-safe base64 (32 bytes).

    Raw is what `web-push generate-vapid-keys` prints; PEM is what we write ourselves.
    """
    text = text.strip()
    if text.startswith("-----BEGIN"):
        # Environment files often carry a PEM on one line with literal "\n".
        pem = text.replace("\\n", "\n").encode()
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise ValueError(f"VAPID private key is not a readable PEM key: {exc}") from None
    else:
        try:
            raw = b64url_decode(text)
        except (binascii.Error, ValueError):
            raise ValueError("VAPID private key is neither PEM nor URL-safe base64") from None
        if len(raw) != 32:
            raise ValueError(f"raw VAPID private key must be 32 bytes, got {len(raw)}")
        try:
            key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
        except ValueError:
            raise ValueError("raw VAPID private key is out of range for P-256") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("VAPID private key must be an EC key on P-256 (prime256v1)")
    return key


def _new_keys() -> VapidKeys:
    return VapidKeys.from_private_key(ec.generate_private_key(ec.SECP256R1()))


def load_or_create_vapid_keys(data_dir: Path, private_key_pem: str | None = None) -> VapidKeys:
    """The configured key when given; otherwise data_dir/vapid_private.pem, created once.

    Changing the key later orphans every browser subscription made with the old public key.
    """
    if private_key_pem is not None:
        return VapidKeys.from_private_key(parse_private_key(private_key_pem))
    path = data_dir / VAPID_KEY_FILE
    text = create_once(path, lambda: _new_keys().private_key_pem)
    try:
        return VapidKeys.from_private_key(parse_private_key(text))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
