"""The rows one answer set stores, built and encoded for the driver by the check-in storer.

Built from her draft as a self-report in her snapshot's time zone, with the few facts the
storer reads fresh (a prompt's kind, version and lateness, a new time zone) laid over it.
"""

import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Dialect

from savor.bulk import BulkInsert
from savor.ema.alerts import StaffAlert
from savor.ema.drafts import Draft
from savor.ema.instruments import Instrument
from savor.ema.models import (
    Offer,
    OfferPublic,
    QuestionnaireScore,
    Response,
    ResponseItem,
    answer_order,
)
from savor.ema.scoring import score
from savor.ids import new_id
from savor.practices import progress

RESPONSE_COLUMNS = (
    "id",
    "participant_id",
    "client_id",
    "prompt_id",
    "kind",
    "instrument_id",
    "instrument_version",
    "instrument_fingerprint",
    "protocol_version",
    "started_at",
    "submitted_at",
    "received_at",
    "timezone",
    "local_date",
    "late",
    "context",
    "body_hash",
)
ITEM_COLUMNS = ("id", "response_id", "item_id", "position", "value", "declined", "sensitive")
OFFER_COLUMNS = (
    "id",
    "participant_id",
    "response_id",
    "rule",
    "practice_id",
    "outcome",
    "offered_at",
)
ALERT_COLUMNS = ("id", "participant_id", "response_id", "items", "created_at")
SCORE_COLUMNS = (
    "id",
    "participant_id",
    "response_id",
    "instrument_id",
    "instrument_version",
    "scoring_version",
    "scale_id",
    "position",
    "score",
    "band",
    "answered",
    "declined",
    "missing",
    "prorated",
)


@dataclass(frozen=True)
class Encoders:
    response: BulkInsert
    item: BulkInsert
    offer: BulkInsert
    alert: BulkInsert
    score: BulkInsert


@lru_cache(maxsize=8)
def encoders(dialect: Dialect) -> Encoders:
    def encoder(model: Any, columns: tuple[str, ...]) -> BulkInsert:
        return BulkInsert(model.__table__, columns, dialect)

    return Encoders(
        response=encoder(Response, RESPONSE_COLUMNS),
        item=encoder(ResponseItem, ITEM_COLUMNS),
        offer=encoder(Offer, OFFER_COLUMNS),
        alert=encoder(StaffAlert, ALERT_COLUMNS),
        score=encoder(QuestionnaireScore, SCORE_COLUMNS),
    )


@dataclass(frozen=True)
class Prepared:
    response_id: uuid.UUID
    response: tuple[Any, ...]
    items: list[tuple[Any, ...]]
    offers: list[tuple[Any, ...]]
    alerts: list[tuple[Any, ...]]
    offers_public: list[OfferPublic]
    scores: list[tuple[Any, ...]]


_fingerprints: dict[int, tuple[Instrument, str]] = {}


def fingerprint(instrument: Instrument) -> str:
    """The instrument's fingerprint, hashed once per instrument object (they are frozen)."""
    known = _fingerprints.get(id(instrument))
    if known is None or known[0] is not instrument:
        if len(_fingerprints) > 1024:
            _fingerprints.clear()
        known = _fingerprints[id(instrument)] = (instrument, instrument.fingerprint)
    return known[1]


def _response_row(draft: Draft, response_id: uuid.UUID) -> dict[str, Any]:
    """Her response, unencoded, as a self-report in her snapshot's time zone."""
    instrument = draft.instrument
    return {
        "id": response_id,
        "participant_id": draft.participant_id,
        "client_id": draft.client_id,
        "prompt_id": draft.prompt_id,
        "kind": "self",
        "instrument_id": instrument.id,
        "instrument_version": str(instrument.version),
        "instrument_fingerprint": fingerprint(instrument),
        "protocol_version": draft.protocol_version,
        "started_at": draft.started_at,
        "submitted_at": draft.submitted_at,
        "received_at": draft.received_at,
        "timezone": draft.timezone,
        "local_date": progress.local_date(draft.submitted_at, draft.timezone),
        "late": False,
        "context": draft.context,
        "body_hash": draft.body_hash,
    }


def prepare(draft: Draft, dialect: Dialect, **facts: Any) -> Prepared:
    """Her rows, encoded for `dialect`'s driver, with `facts` read fresh by the storer."""
    encode = encoders(dialect)
    instrument = draft.instrument
    response_id = new_id()
    row = _response_row(draft, response_id) | facts
    if "timezone" in facts:
        row["local_date"] = progress.local_date(row["submitted_at"], row["timezone"])
    sensitive = {item.id for item in instrument.items if item.sensitive}
    items = [
        encode.item.encode(
            {
                "id": new_id(),
                "response_id": response_id,
                "item_id": a["item_id"],
                "position": position,
                "value": None if a["declined"] else a["value"],
                "declined": a["declined"],
                "sensitive": a["item_id"] in sensitive,
            }
        )
        for position, a in enumerate(draft.answers)
    ]
    offers = [
        {
            "id": new_id(),
            "participant_id": draft.participant_id,
            "response_id": response_id,
            "rule": rule,
            "practice_id": practice_id,
            "outcome": "offered",
            "offered_at": draft.received_at,
        }
        for rule, practice_id in draft.offers
    ]
    alerts = []
    if draft.alert_staff:
        alert = {
            "id": new_id(),
            "participant_id": draft.participant_id,
            "response_id": response_id,
            "items": draft.crisis,
            "created_at": draft.received_at,
        }
        alerts.append(encode.alert.encode(alert))
    return Prepared(
        scores=[encode.score.encode(row) for row in _score_rows(draft, response_id)],
        response_id=response_id,
        response=encode.response.encode(row),
        items=items,
        offers=[encode.offer.encode(o) for o in offers],
        alerts=alerts,
        offers_public=answer_order(
            [
                OfferPublic(
                    id=o["id"], rule=o["rule"], practice_id=o["practice_id"], outcome="offered"
                )
                for o in offers
            ]
        ),
    )


def _score_rows(draft: Draft, response_id: uuid.UUID) -> list[dict[str, Any]]:
    """A questionnaire's scales, scored by its own declaration; a check-in has none."""
    if draft.instrument.scoring is None:
        return []
    scores = score(draft.instrument, draft.answers)
    return [
        {
            "id": new_id(),
            "participant_id": draft.participant_id,
            "response_id": response_id,
            "instrument_id": scores.instrument_id,
            "instrument_version": scores.instrument_version,
            "scoring_version": scores.scoring_version,
            "scale_id": scale.scale_id,
            "position": position,
            "score": scale.score,
            "band": scale.band,
            "answered": scale.answered,
            "declined": scale.declined,
            "missing": scale.missing,
            "prorated": scale.prorated,
        }
        for position, scale in enumerate(scores.scales)
    ]
