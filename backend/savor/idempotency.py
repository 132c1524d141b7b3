"""Records a phone makes offline carry a client id: sent twice, they are still one record."""

import hashlib
import json
import uuid
from typing import Protocol, TypeVar

from pydantic import BaseModel
from sqlmodel import Session, select

from savor.errors import AppError


class ClientRecord(Protocol):
    participant_id: uuid.UUID
    client_id: uuid.UUID
    body_hash: str


R = TypeVar("R", bound=ClientRecord)
T = TypeVar("T")


def body_hash(body: BaseModel) -> str:
    """A digest of what was sent, to tell a replay from a different record under the same id."""
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def find(
    session: Session, model: type[R], participant_id: uuid.UUID, client_id: uuid.UUID
) -> R | None:
    return session.exec(
        select(model)
        .where(model.participant_id == participant_id)  # type: ignore[arg-type]
        .where(model.client_id == client_id)  # type: ignore[arg-type]
    ).first()


def replayed(stored: T, *, stored_hash: str, sent_hash: str, what: str) -> T:
    """The one rule for a client id sent again: `stored` (as the caller shows it) when the
    same body was sent, a 409 when the id was used for a different `what`."""
    if stored_hash != sent_hash:
        raise _reused(what)
    return stored


def _reused(what: str) -> AppError:
    return AppError(
        409, "client_id_reused", f"A different {what} was already saved with this client_id."
    )
