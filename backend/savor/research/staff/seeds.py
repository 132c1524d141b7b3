"""Two-factor seeds at rest: sealed with a key only the server holds.

A copy of the database (a backup, a dump handed over for help) must not let anyone make a
staff member's codes. Her seed is stored sealed (AES-GCM, a key derived from the server
secret, bound to her account so a sealed seed copied onto another row opens nothing). A setup
link stores no seed at all: the seed it offers is derived from the link's token and the
server secret, so only whoever holds both the link and the server can know it.

Seeds written before sealing are read as they are, and sealed at her next sign-in.
Changing the server secret (SAVOR_SECRET_KEY or data_dir/secret.key) makes sealed seeds
unreadable: each person then needs a new setup link.
"""

import base64
import hashlib
import hmac
import logging
import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEALED = "sealed1:"
_NONCE_BYTES = 12
# RFC 4226 recommends a 160-bit shared secret.
_SEED_BYTES = 20

log = logging.getLogger(__name__)


def _key(pepper: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(pepper)


def _aad(staff_id: uuid.UUID) -> bytes:
    return b"staff-totp-seed:" + staff_id.bytes


def seal(seed: str, *, staff_id: uuid.UUID, pepper: bytes) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_key(pepper, b"savor staff seed v1")).encrypt(
        nonce, seed.encode(), _aad(staff_id)
    )
    return SEALED + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED)


def unseal(stored: str, *, staff_id: uuid.UUID, pepper: bytes) -> str | None:
    """Her seed; None when it cannot be opened (another account's, or another server secret)."""
    if not is_sealed(stored):
        return stored
    text = stored.removeprefix(SEALED)
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    try:
        seed = AESGCM(_key(pepper, b"savor staff seed v1")).decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _aad(staff_id)
        )
    except InvalidTag:
        log.error(
            "a staff two-factor seed cannot be opened with this server's secret key; if the "
            "key changed, give the person a new setup link",
            extra={"staff_id": str(staff_id)},
        )
        return None
    return seed.decode()


def offered_seed(setup_token: str, *, pepper: bytes) -> str:
    """The seed a setup link offers: the same on every visit of the link, stored nowhere."""
    digest = hmac.new(
        _key(pepper, b"savor staff setup seed v1"), setup_token.encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest[:_SEED_BYTES]).decode()
