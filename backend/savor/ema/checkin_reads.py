"""What the check-in storer reads fresh for a whole set before storing it: who holds each
token (whether she has left, her time zone, her study's protocol version, the features she
agreed to), records already stored under the same client ids, and the state of the prompts
answered.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection
from sqlmodel import col

from savor.ema.drafts import Draft
from savor.ema.models import Offer, OfferPublic, Prompt, Response, ResponsePublic, answer_order
from savor.studies.models import Participant, ParticipantToken, Study


@dataclass(frozen=True)
class Holder:
    """Who holds a token, as the set is stored."""

    participant_id: uuid.UUID
    timezone: str
    withdrawn_at: datetime | None
    protocol_version: int
    agreed_features: dict[str, bool]


@dataclass
class PromptState:
    """A prompt answered in the set; its status changes as the set claims it."""

    participant_id: uuid.UUID
    instrument_id: str
    status: str
    kind: str
    expires_at: datetime
    protocol_version: int


# Built once: the storer runs these for every set, and building a statement costs more than
# SQLite takes to answer it.
_HOLDERS = (
    select(
        ParticipantToken.token_hash,
        Participant.id,
        Participant.timezone,
        Participant.withdrawn_at,
        Study.active_protocol_version,
        Participant.agreed_features,
    )
    .join(Participant, col(Participant.id) == ParticipantToken.participant_id)
    .join(Study, col(Study.id) == Participant.study_id)
    .where(col(ParticipantToken.token_hash).in_(bindparam("hashes", expanding=True)))
    .where(col(ParticipantToken.revoked_at).is_(None))
)
_EARLIER = select(
    Response.id,
    Response.participant_id,
    Response.client_id,
    Response.prompt_id,
    Response.instrument_id,
    Response.instrument_version,
    Response.submitted_at,
    Response.received_at,
    Response.late,
    Response.body_hash,
).where(col(Response.client_id).in_(bindparam("client_ids", expanding=True)))


def holders(connection: Connection, token_hashes: set[str]) -> dict[str, Holder]:
    found = connection.execute(_HOLDERS, {"hashes": sorted(token_hashes)})
    return {row[0]: Holder(*row[1:]) for row in found}


def earlier(
    connection: Connection, drafts: Sequence[Draft]
) -> dict[tuple[uuid.UUID, uuid.UUID], tuple[ResponsePublic, str]]:
    """Records already stored under these client ids, as the API shows them, with digests."""
    client_ids = list({d.client_id for d in drafts})
    stored = connection.execute(_EARLIER, {"client_ids": client_ids}).all()
    if not stored:
        return {}
    offers: dict[uuid.UUID, list[OfferPublic]] = {}
    for offer in connection.execute(
        select(Offer.response_id, Offer.id, Offer.rule, Offer.practice_id, Offer.outcome).where(
            col(Offer.response_id).in_([row.id for row in stored])
        )
    ):
        offers.setdefault(offer.response_id, []).append(
            OfferPublic(
                id=offer.id, rule=offer.rule, practice_id=offer.practice_id, outcome=offer.outcome
            )
        )
    return {
        (row.participant_id, row.client_id): (
            _public(row, offers.get(row.id, [])),
            row.body_hash,
        )
        for row in stored
    }


def _public(row: Any, offers: list[OfferPublic]) -> ResponsePublic:
    return ResponsePublic(
        id=row.id,
        client_id=row.client_id,
        prompt_id=row.prompt_id,
        instrument_id=row.instrument_id,
        instrument_version=row.instrument_version,
        submitted_at=row.submitted_at,
        received_at=row.received_at,
        late=row.late,
        crisis=any(o.rule == "crisis_help" for o in offers),
        offers=answer_order(offers),
    )


def prompts(connection: Connection, prompt_ids: set[uuid.UUID]) -> dict[uuid.UUID, PromptState]:
    if not prompt_ids:
        return {}
    found = connection.execute(
        select(
            Prompt.id,
            Prompt.participant_id,
            Prompt.instrument_id,
            Prompt.status,
            Prompt.kind,
            Prompt.expires_at,
            Prompt.protocol_version,
        ).where(col(Prompt.id).in_(list(prompt_ids)))
    )
    return {row[0]: PromptState(*row[1:]) for row in found}
