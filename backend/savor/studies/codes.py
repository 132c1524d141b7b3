"""Enrollment codes: 40 random bits in Crockford base32, easy to read aloud and type by hand."""

import hashlib
import hmac
import re
import secrets

# Crockford's alphabet drops I, L, O and U so that 1/I/L and 0/O can never be confused.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8  # 8 symbols x 5 bits = 40 bits
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.]")


def generate_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str | None:
    """The canonical code for what she typed, or None when it cannot be a code."""
    candidate = _SEPARATORS.sub("", raw).upper().translate(_LOOKALIKES)
    if len(candidate) != CODE_LENGTH or any(ch not in ALPHABET for ch in candidate):
        return None
    return candidate


def format_code(code: str) -> str:
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def hash_code(code: str, pepper: bytes) -> str:
    # Keyed: 40 bits are too few to store under a plain hash that anyone could brute-force.
    return hmac.new(pepper, code.encode(), hashlib.sha256).hexdigest()
