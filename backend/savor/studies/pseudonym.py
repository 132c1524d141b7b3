"""What researchers call a participant: stable within a study, unlinkable across studies."""

import base64
import hashlib
import hmac
import uuid

PSEUDONYM_BYTES = 6  # 48 bits: collisions stay negligible even for very large studies


def pseudonym(*, study_secret: str, participant_id: uuid.UUID) -> str:
    digest = hmac.new(study_secret.encode(), participant_id.bytes, hashlib.sha256).digest()
    return "P" + base64.b32encode(digest[:PSEUDONYM_BYTES]).decode().rstrip("=")


def planning_seed(*, study_secret: str, participant_id: uuid.UUID) -> bytes:
    """Seeds her prompt times: fixed for her, unguessable without the study secret."""
    return hmac.new(study_secret.encode(), b"plan:" + participant_id.bytes, hashlib.sha256).digest()
