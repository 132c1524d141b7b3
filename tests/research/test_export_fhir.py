"""The FHIR export: a valid R4 Bundle of Questionnaires and QuestionnaireResponses."""

import json

from fhir.resources.R4B.bundle import Bundle

from savor.research.access import DEFAULT_SCOPES, TokenScope
from savor.research.exports import fhir
from savor.research.exports.answer_rows import Answer
from savor.research.exports.fhir import Urls
from tests.factories import bearer, make_research_token
from tests.research import fixture
from tests.research.expected import EXPORT, get, names


def test_fhir_bundle_is_valid_r4_with_questionnaires_and_responses(client, study, token):
    body = json.loads(get(client, token, "responses", format="fhir"))
    bundle = Bundle.model_validate(body)
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert bundle.type == "collection"
    assert kinds.count("QuestionnaireResponse") == 3
    assert {"momentary-1", "end-of-day-1", "journal-1"} <= {
        e.resource.id for e in bundle.entry if e.resource.get_resource_type() == "Questionnaire"
    }


def test_fhir_response_carries_each_answer_and_who_answered(client, study, token):
    body = json.loads(get(client, token, "responses", format="fhir"))
    n = names(study)
    [answered] = [e["resource"] for e in body["entry"] if e["resource"]["id"] == n["answered"]]
    assert answered["subject"]["identifier"]["value"] == n["ana"]
    assert answered["questionnaire"] == (
        "https://savor.study/fhir/pilot/Questionnaire/momentary|1"
    )  # whatever SAVOR_BASE_URL is: a canonical URL names, it is not an address
    assert answered["authored"] == "2026-03-02T08:50:00.000-06:00"  # her hour, her offset
    items = {i["linkId"]: i for i in answered["item"]}
    assert items["S1"]["answer"] == [{"valueInteger": 3}]
    assert items["C1"]["extension"][0]["valueCode"] == "asked-declined"
    assert items["B1"]["answer"][0]["valueCoding"]["code"] == "not_with_baby"
    [journal] = [e["resource"] for e in body["entry"] if e["resource"]["id"] == n["journal"]]
    assert [i["linkId"] for i in journal["item"]] == ["J2"]


def test_fhir_is_only_for_responses(client, study, token):
    response = client.get(EXPORT + "prompts", params={"format": "fhir"}, headers=bearer(token))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "fhir_responses_only"


def test_fhir_free_text_is_a_string_answer_when_allowed(client, session, study):
    allowed = make_research_token(
        session, study.study, [*DEFAULT_SCOPES, TokenScope.EXPORT_FREE_TEXT]
    )
    body = json.loads(get(client, allowed, "responses", format="fhir"))
    Bundle.model_validate(body)
    ref = names(study)["journal"]
    [journal] = [e["resource"] for e in body["entry"] if e["resource"]["id"] == ref]
    j1 = next(i for i in journal["item"] if i["linkId"] == "J1")
    assert j1["answer"] == [{"valueString": fixture.FREE_TEXT}]


def test_fhir_integer_items_are_value_integer_and_numbers_decimal():
    urls = Urls("pilot")
    whole = Answer("S1", 0, 3.0, False)
    assert fhir._answer(urls, "momentary", whole, "rating", 3.0) == {"valueInteger": 3}
    assert fhir._answer(urls, "x", whole, "likert", 2) == {"valueInteger": 2}
    assert fhir._answer(urls, "x", whole, "number", 2) == {"valueDecimal": 2}
