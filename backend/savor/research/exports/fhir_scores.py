"""FHIR R4: the `scores` dataset as a Bundle (type collection) of Observations.

A score is an Observation derived from the QuestionnaireResponse it was computed from (the
`derivedFrom` reference is that response's fullUrl in the `responses` FHIR export), not an
extra item answer inside the response. That is how SDC's observation-based extraction and US
Core's screening-assessment profile carry a total score: EHRs, flowsheets, CDS and Bulk Data
queries find scores by Observation code (LOINC where one exists, e.g. 44261-6 for the PHQ-9
total), while an answer nested in a QuestionnaireResponse is found only by walking its
Questionnaire. Each shape of Observation is validated with fhir.resources before it is
written, as the responses' resources are.
"""

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from fhir.resources.R4B.observation import Observation

from savor.ema.instruments import Instrument, default_instruments
from savor.ema.questionnaires import Scale
from savor.research.exports.fhir import Urls

LOINC = "http://loinc.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"


def _fhir_id(text: str) -> str:
    return text.replace("_", "-")


def _scale(
    instrument_id: str, scale_id: str, known: Mapping[str, Instrument] | None = None
) -> Scale | None:
    # A study's own questionnaire is not shipped: the codebook's instruments know it.
    instrument = default_instruments().get(instrument_id) or (known or {}).get(instrument_id)
    scales = instrument.scoring.scales if instrument and instrument.scoring else []
    return next((s for s in scales if s.id == scale_id), None)


def _code(
    urls: Urls, instrument_id: str, scale_id: str, known: Mapping[str, Instrument] | None = None
) -> dict[str, Any]:
    codings = [{"system": f"{urls.base}/CodeSystem/scores", "code": f"{instrument_id}.{scale_id}"}]
    if (scale := _scale(instrument_id, scale_id, known)) is not None:
        codings[0]["display"] = scale.label.en
        if scale.loinc:
            codings.insert(0, {"system": LOINC, "code": scale.loinc, "display": scale.label.en})
    return {"coding": codings, "text": f"{instrument_id} {scale_id}"}


def observation(
    urls: Urls, row: dict[str, Any], known: Mapping[str, Instrument] | None = None
) -> dict[str, Any]:
    """One scale's score as an Observation; `row` is a row of the `scores` dataset."""
    instrument, scale = row["instrument_id"], row["scale"]

    def extension(name: str, kind: str, value: Any) -> dict[str, Any]:
        return {"url": urls.extension(name), kind: value}

    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": _fhir_id(f"{row['response_ref']}-{scale}"),
        "extension": [
            extension("instrument-version", "valueString", row["instrument_version"]),
            extension("scoring-version", "valueInteger", row["scoring_version"]),
            extension("items-answered", "valueInteger", row["items_answered"]),
            extension("items-declined", "valueInteger", row["items_declined"]),
            extension("items-missing", "valueInteger", row["items_missing"]),
            extension("prorated", "valueBoolean", row["prorated"]),
        ],
        "status": "final",
        "category": [{"coding": [{"system": CATEGORY, "code": "survey"}]}],
        "code": _code(urls, instrument, scale, known),
        "subject": {"identifier": {"system": urls.pseudonyms, "value": row["pseudonym"]}},
        "effectiveDateTime": row["submitted_at_local"] or row["submitted_at_utc"],
        "derivedFrom": [{"reference": f"{urls.base}/QuestionnaireResponse/{row['response_ref']}"}],
    }
    if row["wave"]:
        resource["extension"].append(extension("wave", "valueString", row["wave"]))
    if row["score"] is None:
        resource["dataAbsentReason"] = {
            "coding": [{"system": ABSENT, "code": "not-performed"}],
            "text": "too many items unanswered to score",
        }
    else:
        resource["valueInteger"] = row["score"]
    if row["band"]:
        system = f"{urls.base}/CodeSystem/{_fhir_id(instrument)}-{_fhir_id(scale)}-bands"
        resource["interpretation"] = [{"coding": [{"system": system, "code": row["band"]}]}]
    return resource


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple((k, _shape(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_shape(v) for v in value)
    return value.__class__


def bundle_chunks(
    pages: Iterable[list[dict[str, Any]]],
    *,
    urls: Urls,
    instruments: Iterable[Instrument] = (),
) -> Iterator[bytes]:
    """The Bundle's opening, a chunk per page of scores, the close."""
    known = {i.id: i for i in instruments}  # by id, then version: the newest wins
    yield b'{"resourceType":"Bundle","type":"collection","entry":['
    validated: set[Any] = set()
    separator = b""
    for page in pages:
        entries = []
        for row in page:
            resource = observation(urls, row, known)
            if (shape := _shape(resource)) not in validated:
                Observation.model_validate(resource)
                validated.add(shape)
            url = f"{urls.base}/Observation/{resource['id']}"
            entry = {"fullUrl": url, "resource": resource}
            entries.append(json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode())
        if entries:
            yield separator + b",".join(entries)
            separator = b","
    yield b"]}"
