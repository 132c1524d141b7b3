"""The study publishes a new consent version during the run, as a study team does: its
protocol with the consent `version` raised by one and a changed text, `PUT` through the
research API. Every active phone's app learns of it at her next visit (behaviours/consent.py).
"""

from datetime import datetime
from typing import Any

import yaml

from savor.rehearsal.phone import Phone
from savor.studies import consent
from savor.studies.protocol import parse_protocol

ADDED = {
    "en": "New in this version. We changed how long we keep your answers. Nothing else changed.",
    "es": "Nuevo en esta versión. Cambiamos cuánto tiempo guardamos tus respuestas. "
    "Nada más cambió.",
}


def raised(source: str) -> tuple[str, int]:
    """The protocol with its consent at the next version, a paragraph added; and that version."""
    data: dict[str, Any] = yaml.safe_load(source)
    current = consent.consent_of(parse_protocol(source))
    block = current.model_dump(mode="json")
    block["version"] = current.version + 1
    document = block["document"]
    if isinstance(document, str):
        block["document"] = f"{document.rstrip()}\n\n{ADDED['en']}\n"
    else:
        block["document"] = {
            lang: f"{text.rstrip()}\n\n{ADDED.get(lang, ADDED['en'])}\n"
            for lang, text in document.items()
        }
    data["consent"] = block
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True), block["version"]


async def publish(research: Any, source: str, phones: list[Phone], now: datetime) -> int:
    """Apply the raised protocol through the research API; returns the new consent version."""
    changed, version = raised(source)
    await research.put_protocol(changed)
    for phone in phones:
        if phone.active:
            phone.truth.consent_published = version
            phone.truth.consent_published_at = now
    return version
