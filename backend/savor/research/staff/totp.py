"""Two-factor codes (RFC 6238 TOTP) and one-time recovery codes: pure, no database."""

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno

ISSUER = "Savor"
RECOVERY_CODES = 10
# 16 characters of base32 (80 bits): a stolen table of their digests cannot be reversed.
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """What an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(scale=4)


def matched_step(secret: str, code: str, *, now: datetime) -> int | None:
    """The time step whose code `code` is: `now`'s, or the one before or after (clock drift).

    The caller accepts a step only once (RFC 6238 §5.2): a code seen over her shoulder, or
    sent twice, opens nothing the second time.
    """
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    app = pyotp.TOTP(secret)
    step = app.timecode(now)
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(app.generate_otp(candidate), code):
            return candidate
    return None


def code_at(secret: str, now: datetime) -> str:
    """The code an authenticator app shows at `now` (for tests and the demo)."""
    return pyotp.TOTP(secret).at(now)


def new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def hash_recovery_code(code: str) -> str:
    normalized = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalized.encode()).hexdigest()
