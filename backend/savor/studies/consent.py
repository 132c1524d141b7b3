"""What she agreed to at enrollment, and what of her study's protocol applies to her now.

The switches below change what is collected from her, who is told, or how her dates leave
the server: they are what the app describes when she joins. Each is fixed for her when she
enrolls; a later protocol reaches her only after she agrees again. A study may always collect
less or protect more at once: a switch that collects or reveals more is on for her only while
she agreed to it AND the protocol has it on, date shifting while either has it on. Every
other setting (e.g. `high_rating_threshold`) follows the protocol as it is now.

She agrees to the protocol's consent document, by its version (the protocol's `consent`
block): a new version asks her to agree again, and until she does her switches stay as they were.
"""

from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Protocol

from savor.studies.protocol import Features, ProtocolDocument, StudyConsent, parse_protocol

MORE_REVEALING = ("staff_alerts", "sensitive_use_item", "medication_item", "free_text_to_server")
PROTECTIVE = ("date_shift_exports",)
CONSENTED = MORE_REVEALING + PROTECTIVE


class Agreed(Protocol):
    """Her participant row or her snapshot: anything that knows what she agreed to."""

    @property
    def agreed_features(self) -> Mapping[str, bool]: ...


def agreed_features(features: Features) -> dict[str, bool]:
    """What she agrees to when she enrolls under a protocol with these features."""
    return {name: bool(getattr(features, name)) for name in CONSENTED}


def effective(*, agreed: Mapping[str, bool], features: Features) -> Features:
    """The protocol's features as they apply to someone who agreed to `agreed`."""
    changes = {name: getattr(features, name) and agreed.get(name, False) for name in MORE_REVEALING}
    changes |= {name: getattr(features, name) or agreed.get(name, False) for name in PROTECTIVE}
    return features.model_copy(update=changes)


def features_for(participant: Agreed, document: ProtocolDocument) -> Features:
    return effective(agreed=participant.agreed_features, features=document.features)


@lru_cache(maxsize=1)
def _default_consent() -> StudyConsent:
    source = resources.files("savor.content").joinpath("protocol.default.yaml").read_text("utf-8")
    found = parse_protocol(source).consent
    assert found is not None, "the default protocol carries the consent"
    return found


def consent_of(document: ProtocolDocument) -> StudyConsent:
    """The study's consent; a protocol written before consent was versioned has the default."""
    return document.consent or _default_consent()


def needs_consent(agreed_version: int | None, document: ProtocolDocument) -> bool:
    """She has not yet agreed to the consent the study asks for now."""
    return agreed_version != consent_of(document).version
