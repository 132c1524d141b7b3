"""The `scores` dataset: each scored scale of each questionnaire, in csv, ndjson and FHIR."""

import json
import uuid

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlmodel import select

from savor.clock import utcnow
from savor.ema.models import Prompt
from savor.research.anonymize import record_ref
from savor.studies import service as studies_service
from savor.studies.models import Study
from savor.studies.pseudonym import pseudonym
from tests.ema.test_questionnaire_answers import phq9_body, post
from tests.ema.test_waves import plan, waves_protocol
from tests.factories import make_participant, make_research_token
from tests.research.expected import get, read_csv


@pytest.fixture
def answered(client, session, settings) -> dict:
    """A PHQ-9 answered in the baseline wave (one item declined) and a GAD-7 of her own."""
    studies_service.apply_protocol(session=session, source=waves_protocol(), now=utcnow())
    headers, her = make_participant(client, session, settings)
    plan(session, utcnow())
    wave = session.exec(select(Prompt).where(Prompt.schedule_id == "baseline")).one()
    values = {1: 2, 2: 2, 3: 2, 4: 2, 5: 1, 6: 1, 7: 1, 8: 1}  # 12 over 8 items: 13.5 → 14
    phq9 = post(client, headers, phq9_body(values, declined=(9,), prompt_id=str(wave.id)))
    gad7 = phq9_body({}) | {
        "instrument_id": "gad7",
        "answers": [{"item_id": f"gad7_{n}", "value": 3} for n in range(1, 8)],
    }
    assert post(client, headers, gad7).status_code == 201
    study = session.exec(select(Study)).one()
    return {
        "token": make_research_token(session, study),
        "headers": headers,
        "pseudonym": pseudonym(study_secret=study.secret, participant_id=her.id),
        "phq9": record_ref(
            study_secret=study.secret, kind="R", record_id=uuid.UUID(phq9.json()["id"])
        ),
        "prompt": record_ref(study_secret=study.secret, kind="Q", record_id=wave.id),
    }


def test_scores_csv_has_each_scale_with_its_band_and_wave(client, answered):
    rows = read_csv(get(client, answered["token"], "scores"))

    phq9 = [r for r in rows if r["instrument_id"] == "phq9"]
    assert [(r["scale"], r["score"], r["band"]) for r in phq9] == [
        ("total", "14", "moderate"),
        ("phq2", "4", "positive"),
    ]
    total = phq9[0]
    assert total["pseudonym"] == answered["pseudonym"]
    assert total["response_ref"] == answered["phq9"]
    assert total["prompt_ref"] == answered["prompt"]
    assert total["wave"] == "baseline"
    assert (total["instrument_version"], total["scoring_version"]) == ("1", "1")
    assert (total["items_answered"], total["items_declined"], total["items_missing"]) == (
        "8",
        "1",
        "0",
    )
    assert total["prorated"] == "true"
    assert total["submitted_at_utc"].endswith("Z")
    assert total["submitted_at_local"][-6:] in ("-06:00", "-05:00")  # Chicago
    gad7 = [r for r in rows if r["instrument_id"] == "gad7"]
    assert [(r["scale"], r["score"], r["band"], r["wave"]) for r in gad7] == [
        ("total", "21", "severe", ""),
        ("gad2", "6", "positive", ""),
    ]


def test_scores_ndjson_types_each_column(client, answered):
    lines = get(client, answered["token"], "scores", format="ndjson").decode().splitlines()
    first = json.loads(lines[0])

    assert len(lines) == 4
    assert (first["score"], first["prorated"], first["items_declined"]) == (14, True, 1)


def test_scores_fhir_is_a_valid_bundle_of_observations_derived_from_responses(client, answered):
    body = json.loads(get(client, answered["token"], "scores", format="fhir"))

    bundle = Bundle.model_validate(body)
    assert [e.resource.get_resource_type() for e in bundle.entry] == ["Observation"] * 4
    total = body["entry"][0]["resource"]
    assert total["valueInteger"] == 14
    assert total["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "44261-6",
        "display": "Depression severity",
    }
    assert total["derivedFrom"] == [
        {"reference": f"https://savor.study/fhir/pilot/QuestionnaireResponse/{answered['phq9']}"}
    ]
    assert total["interpretation"][0]["coding"][0]["code"] == "moderate"
    assert total["subject"]["identifier"]["value"] == answered["pseudonym"]


def test_the_responses_hold_the_item_answers_as_for_any_check_in(client, answered):
    rows = read_csv(get(client, answered["token"], "responses"))
    phq9 = {r["item_id"]: r for r in rows if r["response_ref"] == answered["phq9"]}

    assert phq9["phq9_1"]["value"] == "2"
    assert phq9["phq9_9"]["declined"] == "true"


def test_prompts_show_the_wave_and_its_status(client, answered):
    rows = read_csv(get(client, answered["token"], "prompts"))
    [wave] = [r for r in rows if r["prompt_kind"] == "wave"]

    assert (wave["schedule_id"], wave["status"], wave["instrument_id"]) == (
        "baseline",
        "completed",
        "phq9",
    )
