"""FHIR R4: a Bundle (type collection) of the codebook's Questionnaires and one
QuestionnaireResponse per answered check-in, streamed entry by entry.

fhir.resources ships R4B (4.3.0) as its R4 models; Questionnaire and QuestionnaireResponse are
the same in R4 and R4B. Every shape of resource is validated before it is written.
"""

import json
from collections.abc import Iterable, Iterator
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from savor.ema.instruments import Instrument
from savor.ema.items import RATING_MAX, RATING_MIN, Item
from savor.research.exports.answer_rows import Answer, Answered

SD = "http://hl7.org/fhir/StructureDefinition/"
ITEM_TYPES = {
    "rating": "integer",
    "likert": "choice",
    "yes_no": "boolean",
    "single_choice": "choice",
    "multiple_choice": "choice",
    "number": "decimal",
    "text": "text",
}
INTEGER_ITEMS = frozenset({"rating", "likert"})


# Canonical URLs name things, they are not addresses to fetch: under a fixed base, a study's
# Questionnaires keep their identity whichever host (SAVOR_BASE_URL) served the export, and
# bundles from a staging and a production server, or before and after a move, join.
CANONICAL = "https://savor.study/fhir"


class Urls:
    """Canonical URLs of a study's resources, under CANONICAL whatever the server's address."""

    def __init__(self, study: str) -> None:
        self.base = f"{CANONICAL}/{study}"
        self.pseudonyms = f"{self.base}/pseudonyms"

    def questionnaire(self, instrument_id: str) -> str:
        return f"{self.base}/Questionnaire/{instrument_id}"

    def codes(self, instrument_id: str, item_id: str) -> str:
        return f"{self.base}/CodeSystem/{instrument_id}/{item_id}"

    def extension(self, name: str) -> str:
        return f"{CANONICAL}/StructureDefinition/{name}"


def _spanish(text: str) -> dict[str, Any]:
    translation = [{"url": "lang", "valueCode": "es"}, {"url": "content", "valueString": text}]
    return {"extension": [{"url": SD + "translation", "extension": translation}]}


def _options(urls: Urls, instrument: Instrument, item: Item) -> list[dict[str, Any]]:
    choices = [*item.options, *([item.alternative] if item.alternative else [])]
    return [
        {"valueInteger": o.value}
        if item.type == "likert"
        else {
            "valueCoding": {
                "system": urls.codes(instrument.id, item.id),
                "code": o.key,
                "display": o.label.en,
            }
        }
        for o in choices
    ]


def _question(urls: Urls, instrument: Instrument, item: Item) -> dict[str, Any]:
    question: dict[str, Any] = {
        "linkId": item.id,
        "text": item.text.en,
        "_text": _spanish(item.text.es),
        "type": ITEM_TYPES[item.type],
        "required": item.required,
        "repeats": item.type == "multiple_choice",
    }
    if options := _options(urls, instrument, item):
        question["answerOption"] = options
    low, high = (RATING_MIN, RATING_MAX) if item.type == "rating" else (item.min, item.max)
    bounds = [(name, v) for name, v in (("minValue", low), ("maxValue", high)) if v is not None]
    value = "valueInteger" if item.type == "rating" else "valueDecimal"
    if bounds:
        question["extension"] = [{"url": SD + name, value: v} for name, v in bounds]
    return question


def questionnaire(urls: Urls, instrument: Instrument) -> dict[str, Any]:
    version = str(instrument.version)
    return {
        "resourceType": "Questionnaire",
        "id": f"{instrument.id}-{version}".replace("_", "-"),
        "url": urls.questionnaire(instrument.id),
        "version": version,
        "status": "active",
        "language": "en",
        "title": instrument.title.en,
        "_title": _spanish(instrument.title.es),
        "item": [_question(urls, instrument, item) for item in instrument.items],
    }


def _answer(urls: Urls, instrument_id: str, item: Answer, kind: str | None, value: Any) -> dict:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    number = isinstance(value, int | float)
    if number and kind in INTEGER_ITEMS and float(value).is_integer():
        # The Questionnaire says integer: 3.0 as a phone may send it is still valueInteger.
        return {"valueInteger": int(value)}
    if isinstance(value, int) and kind != "number":
        return {"valueInteger": value}
    if number:
        # A number item is decimal in its Questionnaire, whole or not.
        return {"valueDecimal": value}
    if kind == "text":
        return {"valueString": str(value)}
    # A choice's key, or a rating's alternative such as "not_with_baby".
    return {"valueCoding": {"system": urls.codes(instrument_id, item.item_id), "code": value}}


def _answers(urls: Urls, instrument_id: str, item: Answer, kind: str | None) -> list[dict]:
    values = item.value if isinstance(item.value, list) else [item.value]
    return [_answer(urls, instrument_id, item, kind, v) for v in values]


def questionnaire_response(urls: Urls, answered: Answered) -> dict[str, Any]:
    row, kinds = answered.row, answered.kinds
    extensions = [
        {"url": urls.extension("prompt-kind"), "valueCode": row["prompt_kind"]},
        {"url": urls.extension("late"), "valueBoolean": row["late"]},
        {"url": urls.extension("received"), "valueDateTime": row["received_at_utc"]},
    ]
    if row["prompt_ref"]:
        extensions.append({"url": urls.extension("prompt"), "valueString": row["prompt_ref"]})
    declined = {"url": SD + "data-absent-reason", "valueCode": "asked-declined"}
    instrument = row["instrument_id"]
    return {
        "resourceType": "QuestionnaireResponse",
        "id": row["response_ref"],
        "extension": extensions,
        "questionnaire": f"{urls.questionnaire(instrument)}|{row['instrument_version']}",
        "status": "completed",
        "subject": {"identifier": {"system": urls.pseudonyms, "value": row["pseudonym"]}},
        # Her wall-clock time with the offset then in force: the instant is the same as UTC,
        # and a reader sees the hour of her day.
        "authored": row["submitted_at_local"] or row["submitted_at_utc"],
        "item": [
            {"linkId": i.item_id, "extension": [declined]}
            if i.declined
            else {
                "linkId": i.item_id,
                "answer": _answers(urls, instrument, i, kinds.get(i.item_id)),
            }
            for i in answered.items
        ],
    }


def _shape(value: Any) -> Any:
    """The resource with each leaf replaced by its type: all that validation depends on but
    the text of strings, and ours (codes, keys, times, refs) are made to fit their types."""
    if isinstance(value, dict):
        return tuple((k, _shape(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_shape(v) for v in value)
    return value.__class__


def _entry(urls: Urls, resource: dict[str, Any], validated: set[Any]) -> bytes:
    # fhir.resources takes about a millisecond a resource: each shape is checked once.
    shape = _shape(resource)
    if shape not in validated:
        kind = resource["resourceType"]
        model = Questionnaire if kind == "Questionnaire" else QuestionnaireResponse
        model.model_validate(resource)
        validated.add(shape)
    url = f"{urls.base}/{resource['resourceType']}/{resource['id']}"
    entry = {"fullUrl": url, "resource": resource}
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()


def bundle_chunks(
    batches: Iterable[list[Answered]], *, instruments: list[Instrument], urls: Urls
) -> Iterator[bytes]:
    """The Bundle's opening, the Questionnaires, a chunk per page of responses, the close."""
    yield b'{"resourceType":"Bundle","type":"collection","entry":['
    validated: set[Any] = set()
    entries = [_entry(urls, questionnaire(urls, i), validated) for i in instruments]
    yield b",".join(entries)
    separator = b"," if entries else b""
    for batch in batches:
        if batch:
            resources = [questionnaire_response(urls, a) for a in batch]
            yield separator + b",".join(_entry(urls, r, validated) for r in resources)
            separator = b","
    yield b"]}"
