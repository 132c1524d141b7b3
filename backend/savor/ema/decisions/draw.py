"""The seeded draw: reproducible from the study secret and the decision point's identity,
unguessable without the secret, and independent between decision points."""

import hashlib
import hmac
import uuid

SCALE = float(2**64)


def uniform(*, study_secret: str, participant_id: uuid.UUID, point: str) -> float:
    """A number in [0, 1), the same every time for this study, participant and point."""
    message = b"decision:" + participant_id.bytes + point.encode()
    digest = hmac.new(study_secret.encode(), message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / SCALE


def choose(probabilities: dict[str, float], u: float) -> str:
    """The option whose share of [0, 1), in the declared order, holds `u`."""
    total = 0.0
    options = list(probabilities)
    for option in options:
        total += probabilities[option]
        if u < total:
            return option
    # Rounding can leave the sum a hair under 1: the last option with any chance takes it.
    return next(o for o in reversed(options) if probabilities[o] > 0)
