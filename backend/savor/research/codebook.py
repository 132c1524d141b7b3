"""The codebook: every instrument version ever asked, each item with its type, scale, anchors
and wording in English and Spanish; what a data manager needs to analyse without asking."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from savor.ema.instruments import Instrument, default_instruments
from savor.ema.items import RATING_MAX, RATING_MIN, Item
from savor.ema.models import InstrumentVersion

CSV_COLUMNS = [
    "instrument_id",
    "instrument_version",
    "fingerprint",
    "title_en",
    "title_es",
    "item_id",
    "position",
    "type",
    "text_en",
    "text_es",
    "help_en",
    "help_es",
    "scale_min",
    "scale_max",
    "min_label_en",
    "min_label_es",
    "max_label_en",
    "max_label_es",
    "options_en",
    "options_es",
    "alternative",
    "multiple",
    "show_if",
    "audience",
    "feature",
    "sensitive",
    "free_text",
    "crisis_threshold",
    # A questionnaire's own: where it comes from, and the scales that score this item.
    "instrument_kind",
    "source",
    "licence",
    "citation",
    "scored_in",
]


@dataclass(frozen=True)
class Codebook:
    instruments: list[Instrument]  # by id, then version

    def item_types(self) -> dict[tuple[str, str, str], str]:
        """(instrument id, version, item id) → item type, to tell free text apart."""
        return {
            (i.id, str(i.version), item.id): item.type for i in self.instruments for item in i.items
        }

    def item_positions(self) -> dict[tuple[str, str, str], int]:
        """(instrument id, version, item id) → the item's fixed place in its instrument, from 0:
        the same whatever she skipped, unlike the order of what the phone sent."""
        return {
            (i.id, str(i.version), item.id): n
            for i in self.instruments
            for n, item in enumerate(i.items)
        }

    def alternatives(self) -> dict[str, frozenset[str]]:
        """Item id → the keys of its alternative answers (B1's not_with_baby), any version."""
        found: dict[str, set[str]] = {}
        for instrument in self.instruments:
            for item in instrument.items:
                if item.alternative:
                    found.setdefault(item.id, set()).add(item.alternative.key)
        return {i: frozenset(keys) for i, keys in found.items()}

    def item_ids(self, instrument_ids: set[str] | None = None) -> list[str]:
        """Every item id once, in instrument and question order: the wide columns."""
        chosen = [i for i in self.instruments if instrument_ids is None or i.id in instrument_ids]
        return list(dict.fromkeys(item.id for i in chosen for item in i.items))


def _stored(definition: dict[str, Any]) -> Instrument:
    # Stored definitions were dumped by field name: show_if's alias `in` comes back as `in_`.
    items = []
    for item in definition.get("items", []):
        show_if = dict(item.get("show_if") or {})
        if "in_" in show_if and (values := show_if.pop("in_")) is not None:
            show_if["in"] = values
        items.append({**item, "show_if": show_if or None})
    return Instrument.model_validate_json(json.dumps({**definition, "items": items}))


def load_codebook(*, session: Session) -> Codebook:
    """The shipped instruments and every earlier version stored when it was asked."""
    found = {(i.id, str(i.version)): i for i in default_instruments().values()}
    rows = session.exec(select(InstrumentVersion).order_by(col(InstrumentVersion.instrument_id)))
    for row in rows:
        found.setdefault((row.instrument_id, row.version), _stored(row.definition))
    return Codebook(instruments=[found[key] for key in sorted(found)])


def _labels(item: Item, language: str) -> str | None:
    choices = [*item.options, *([item.alternative] if item.alternative else [])]
    if not choices:
        return None
    return " | ".join(
        f"{o.value if item.type == 'likert' else o.key}={getattr(o.label, language)}"
        for o in choices
    )


def _say(text: Any, language: str) -> str | None:
    return getattr(text, language) if text else None


def _scale(item: Item) -> tuple[Any, Any]:
    if item.type == "rating":
        return RATING_MIN, RATING_MAX
    if item.type == "likert":
        return item.options[0].value, item.options[-1].value
    return item.min, item.max


def item_entry(instrument: Instrument, position: int, item: Item) -> dict[str, Any]:
    """One row of the codebook, flat, as in the CSV."""
    low, high = _scale(item)
    show_if = item.show_if.model_dump(exclude_none=True, by_alias=True) if item.show_if else None
    return {
        "instrument_id": instrument.id,
        "instrument_version": str(instrument.version),
        "fingerprint": instrument.fingerprint,
        "title_en": instrument.title.en,
        "title_es": instrument.title.es,
        "item_id": item.id,
        "position": position,
        "type": item.type,
        "text_en": item.text.en,
        "text_es": item.text.es,
        "help_en": _say(item.help, "en"),
        "help_es": _say(item.help, "es"),
        "scale_min": low,
        "scale_max": high,
        "min_label_en": _say(item.min_label, "en"),
        "min_label_es": _say(item.min_label, "es"),
        "max_label_en": _say(item.max_label, "en"),
        "max_label_es": _say(item.max_label, "es"),
        "options_en": _labels(item, "en"),
        "options_es": _labels(item, "es"),
        "alternative": item.alternative.key if item.alternative else None,
        "multiple": item.type == "multiple_choice",
        "show_if": json.dumps(show_if, sort_keys=True) if show_if else None,
        "audience": item.audience,
        "feature": item.feature,
        "sensitive": item.sensitive,
        "free_text": item.type == "text",
        "crisis_threshold": item.crisis_threshold,
        **_questionnaire_entry(instrument, item),
    }


def _questionnaire_entry(instrument: Instrument, item: Item) -> dict[str, Any]:
    source, scoring = instrument.source, instrument.scoring
    scales = [s for s in scoring.scales if item.id in s.items] if scoring else []
    return {
        "instrument_kind": instrument.kind,
        "source": source.name if source else None,
        "licence": source.licence if source else None,
        "citation": source.citation if source else None,
        "scored_in": " | ".join(
            f"{s.id}{' (reversed)' if item.id in s.reversed else ''}" for s in scales
        )
        or None,
    }


def entries(codebook: Codebook) -> Iterator[dict[str, Any]]:
    for instrument in codebook.instruments:
        for position, item in enumerate(instrument.items):
            yield item_entry(instrument, position, item)


def _item_document(position: int, item: Item) -> dict[str, Any]:
    low, high = _scale(item)
    return {
        "position": position,
        **item.model_dump(mode="json", by_alias=True),
        "scale_min": low,
        "scale_max": high,
        "free_text": item.type == "text",
    }


def _questionnaire_document(instrument: Instrument) -> dict[str, Any]:
    if instrument.kind != "questionnaire":
        return {}
    return instrument.model_dump(mode="json", include={"kind", "intro", "source", "scoring"})


def codebook_document(codebook: Codebook, *, study: str, datasets: dict[str, Any]) -> dict:
    """The JSON codebook: instruments with their items in full, and the export columns."""
    return {
        "study": study,
        "instruments": [
            {
                "id": i.id,
                "version": str(i.version),
                "fingerprint": i.fingerprint,
                "title": i.title.model_dump(),
                "items": [_item_document(n, item) for n, item in enumerate(i.items)],
                **_questionnaire_document(i),
            }
            for i in codebook.instruments
        ],
        "datasets": datasets,
    }
