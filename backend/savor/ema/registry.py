"""Every instrument wording ever asked is kept, so each answer is checked against its own."""

import json
from functools import lru_cache
from typing import Any

from sqlmodel import Session, select

from savor.ema.answers import items_for
from savor.ema.instruments import Instrument, default_instruments
from savor.ema.models import InstrumentVersion
from savor.errors import AppError


class InstrumentChangedError(RuntimeError):
    """Wording changed but the declared version did not: answers would become ambiguous."""


def register(*, session: Session, instrument: Instrument) -> InstrumentVersion:
    """The stored row for this instrument's version, created the first time it is used."""
    version = str(instrument.version)
    row = session.exec(
        select(InstrumentVersion)
        .where(InstrumentVersion.instrument_id == instrument.id)
        .where(InstrumentVersion.version == version)
    ).first()
    if row is None:
        row = InstrumentVersion(
            instrument_id=instrument.id,
            version=version,
            fingerprint=instrument.fingerprint,
            definition=instrument.model_dump(mode="json", by_alias=True, exclude={"fingerprint"}),
        )
        session.add(row)
        session.flush()
    elif row.fingerprint != instrument.fingerprint:
        raise InstrumentChangedError(
            f"instrument {instrument.id} changed its wording but still says version {version}; "
            "bump its version"
        )
    return row


def current(instrument_id: str) -> Instrument:
    instrument = default_instruments().get(instrument_id)
    if instrument is None:
        raise AppError(404, "unknown_instrument", f"There is no check-in '{instrument_id}'.")
    return instrument


@lru_cache(maxsize=256)
def _parse(definition_json: str) -> Instrument:
    return Instrument.model_validate_json(definition_json)


def asked(*, session: Session, instrument_id: str, version: str) -> Instrument:
    """The instrument exactly as she was shown it: the current one or an earlier version."""
    latest = default_instruments().get(instrument_id)
    if latest is not None and str(latest.version) == version:
        return latest
    row = session.exec(
        select(InstrumentVersion)
        .where(InstrumentVersion.instrument_id == instrument_id)
        .where(InstrumentVersion.version == version)
    ).first()
    if row is None:
        raise AppError(
            422,
            "unknown_instrument_version",
            f"There is no version {version} of check-in '{instrument_id}'.",
            fields=[{"field": "instrument_version", "message": "unknown version"}],
        )
    return _parse(json.dumps(row.definition, sort_keys=True))


def _say(text: Any, language: str) -> str | None:
    if text is None:
        return None
    return text.es if language == "es" else text.en


def present(
    instrument: Instrument, *, language: str, features: set[str], audience: str | None
) -> dict[str, Any]:
    """The instrument in her language, with only the items she is asked."""
    items = []
    for item in items_for(instrument, features=features, audience=audience):
        options = [
            {
                "value": o.value if item.type == "likert" else o.key,
                "label": _say(o.label, language),
                "exclusive": o.exclusive,
            }
            for o in item.options
        ]
        items.append(
            {
                "id": item.id,
                "type": item.type,
                "text": _say(item.text, language),
                "help": _say(item.help, language),
                "required": item.required,
                "min_label": _say(item.min_label, language),
                "max_label": _say(item.max_label, language),
                "options": options or None,
                "alternative": (
                    {"key": item.alternative.key, "label": _say(item.alternative.label, language)}
                    if item.alternative
                    else None
                ),
                "crisis_threshold": item.crisis_threshold,
                "show_if": item.show_if.model_dump(exclude_none=True, by_alias=True)
                if item.show_if
                else None,
                "min": item.min,
                "max": item.max,
            }
        )
    return {
        "id": instrument.id,
        "version": str(instrument.version),
        "fingerprint": instrument.fingerprint,
        "title": _say(instrument.title, language),
        "kind": instrument.kind,
        "intro": _say(instrument.intro, language),
        "items": items,
    }
