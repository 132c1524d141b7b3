"""A study's own questionnaire, brought in its protocol: checked when applied, asked in a wave,
scored by its own rules and exported beside the shipped ones."""

import csv
import io
from datetime import datetime, timedelta

from sqlmodel import select

from savor.clock import utcnow
from savor.studies import service as studies_service
from savor.studies.models import Study
from tests.ema.test_waves import JOINED, LA, joined_back_then, plan, waves_of
from tests.factories import bearer, make_research_token
from tests.research.expected import get, read_csv

BASE = "/api/research/v1/studies/pilot"
YAML = {"Content-Type": "application/yaml"}
CHOICES = (
    '[{value: 0, label: {en: "No", es: "No"}}, {value: 1, label: {en: "Some", es: "Algo"}}, '
    '{value: 2, label: {en: "Yes", es: "Sí"}}]'
)
ITEMS = "".join(
    f"      - id: {item}\n        type: likert\n        text: {text}\n        options: {CHOICES}\n"
    for item, text in (
        ("calm3_1", '{en: "I felt calm", es: "Me sentí en calma"}'),
        ("calm3_2", '{en: "I slept well", es: "Dormí bien"}'),
        ("calm3_3", '{en: "I felt rushed", es: "Me sentí apurada"}'),
    )
)
# A made-up three-item questionnaire standing in for one whose licence a study holds.
OWN = (
    """
extra_instruments:
  - id: calm3
    kind: questionnaire
    version: 1
    title: {en: "Calm (3 questions)", es: "Calma (3 preguntas)"}
    intro:
      en: "The study team sees these answers under a code, days later."
      es: "El equipo del estudio ve estas respuestas con un código, días después."
    source:
      name: "Calm-3, the Pilot Study's own scale"
      licence: "Used under the Pilot Study's licence; not for other studies."
      citation: "Pilot Study Group. The Calm-3 scale. 2026."
    scoring:
      version: 1
      scales:
        - id: total
          label: {en: "Calm", es: "Calma"}
          items: [calm3_1, calm3_2, calm3_3]
          reversed: [calm3_3]
          max_missing: 1
          bands:
            - {code: low, min: 0, max: 2, label: {en: "Low", es: "Baja"}}
            - {code: high, min: 3, max: 6, label: {en: "High", es: "Alta"}}
    items:
"""
    + ITEMS
    + """waves:
  - {id: calm_baseline, instrument: calm3, day: 0, open_days: 7, reminder_days: [2]}

features:
"""
)


def own_protocol(own: str = OWN) -> str:
    return (
        studies_service.default_protocol_source()
        .replace("study: demo", "study: pilot")
        .replace("instruments: [", "instruments: [calm3, ")
        .replace("\nfeatures:\n", own, 1)
    )


def put_protocol(client, token: str, source: str):
    return client.put(f"{BASE}/protocol", content=source.encode(), headers=bearer(token) | YAML)


def writer_token(session) -> str:
    default = studies_service.default_protocol_source().replace("study: demo", "study: pilot")
    studies_service.apply_protocol(session=session, source=default, now=utcnow())
    return make_research_token(session, session.exec(select(Study)).one())


def problems(response) -> list[str]:
    assert response.status_code == 422, response.text
    return [f["message"] for f in response.json()["error"]["fields"]]


def test_a_study_s_own_questionnaire_runs_from_its_wave_to_the_scores_export(
    client, session, settings
):
    token = writer_token(session)
    assert put_protocol(client, token, own_protocol()).status_code == 200
    headers, her = joined_back_then(client, session, settings)

    plan(session, JOINED + timedelta(minutes=1))
    wave = waves_of(session, her)["calm_baseline"]
    assert (wave.instrument_id, wave.instrument_version) == ("calm3", "1")
    shown = client.get("/api/v1/instruments/calm3", headers=headers).json()
    assert [i["id"] for i in shown["items"]] == ["calm3_1", "calm3_2", "calm3_3"]

    # 2 + 1 + (2 - 2 reversed = 0) = 3: high.
    answered = datetime(2026, 2, 21, 9, 0, tzinfo=LA).isoformat()
    body = {
        "client_id": "0b8f0e53-64a4-4f7f-9d1b-8c7c1d3b0a01",
        "prompt_id": str(wave.id),
        "instrument_id": "calm3",
        "instrument_version": "1",
        "started_at": answered,
        "submitted_at": answered,
        "answers": [
            {"item_id": "calm3_1", "value": 2, "declined": False},
            {"item_id": "calm3_2", "value": 1, "declined": False},
            {"item_id": "calm3_3", "value": 2, "declined": False},
        ],
    }
    assert client.post("/api/v1/responses", headers=headers, json=body).status_code == 201

    scores = read_csv(get(client, token, "scores"))
    assert [
        (r["wave"], r["instrument_id"], r["scoring_version"], r["score"], r["band"]) for r in scores
    ] == [("calm_baseline", "calm3", "1", "3", "high")]
    [answers] = read_csv(get(client, token, "responses", shape="wide"))
    assert (answers["calm3_1"], answers["calm3_2"], answers["calm3_3"]) == ("2", "1", "2")
    fhir = get(client, token, "scores", format="fhir").decode()
    assert "calm3.total" in fhir and '"display":"Calm"' in fhir


def test_the_codebook_shows_where_a_study_s_own_questionnaire_comes_from(client, session):
    token = writer_token(session)
    assert put_protocol(client, token, own_protocol()).status_code == 200

    response = client.get(f"{BASE}/codebook", params={"format": "csv"}, headers=bearer(token))

    rows = [r for r in csv.DictReader(io.StringIO(response.text)) if r["instrument_id"] == "calm3"]
    assert [r["item_id"] for r in rows] == ["calm3_1", "calm3_2", "calm3_3"]
    assert rows[0]["instrument_kind"] == "questionnaire"
    assert rows[0]["licence"] == "Used under the Pilot Study's licence; not for other studies."
    assert rows[0]["citation"] == "Pilot Study Group. The Calm-3 scale. 2026."


def test_a_scoring_rule_naming_an_item_the_questionnaire_lacks_is_refused(client, session):
    token = writer_token(session)
    source = own_protocol().replace(
        "items: [calm3_1, calm3_2, calm3_3]", "items: [calm3_1, calm3_9]"
    )

    found = problems(put_protocol(client, token, source))

    assert found == [
        "extra_instruments[0]: instrument calm3: scoring scale total: scores "
        "['calm3_9'], which are not items of this questionnaire"
    ]


def test_bands_that_do_not_cover_the_scale_are_refused(client, session):
    token = writer_token(session)
    source = own_protocol().replace("{code: high, min: 3, max: 6,", "{code: high, min: 3, max: 5,")

    found = problems(put_protocol(client, token, source))

    assert found == [
        "extra_instruments[0]: instrument calm3: scoring scale total: bands must run "
        "from 0 to 6, the scale's range"
    ]


def test_a_study_s_instrument_may_not_take_a_shipped_instrument_s_id(client, session):
    token = writer_token(session)
    source = own_protocol().replace("  - id: calm3\n", "  - id: phq9\n")

    found = problems(put_protocol(client, token, source))

    assert (
        "extra_instruments[0]: instrument id phq9 is a shipped instrument's; "
        "give the study's own instrument an id of its own"
    ) in found


def test_a_wave_of_an_instrument_nobody_brought_is_refused(client, session):
    token = writer_token(session)
    source = own_protocol().replace("instrument: calm3, day: 0", "instrument: calm4, day: 0")
    source = source.replace("instruments: [calm3, ", "instruments: [calm3, calm4, ")

    found = problems(put_protocol(client, token, source))

    assert found == [
        "instruments: calm4 is neither a shipped instrument nor one of extra_instruments"
    ]


def test_new_wording_under_the_same_version_is_refused(client, session):
    token = writer_token(session)
    assert put_protocol(client, token, own_protocol()).status_code == 200
    source = own_protocol().replace('"I slept well"', '"I slept deeply"')

    found = problems(put_protocol(client, token, source))

    assert found == [
        "extra_instruments: calm3 version 1 is already stored with other wording or scoring; "
        "raise its version"
    ]
    assert (
        put_protocol(
            client, token, source.replace("    version: 1\n    title", "    version: 2\n    title")
        ).status_code
        == 200
    )


def test_the_console_s_protocol_check_points_at_the_study_s_instrument(client, session):
    token = writer_token(session)
    source = own_protocol().replace("items: [calm3_1, calm3_2, calm3_3]", "items: [calm3_9]")

    check = client.post(
        f"{BASE}/protocol/check",
        content=source.encode(),
        headers=bearer(token) | YAML,
    ).json()

    assert not check["valid"]
    [problem] = check["problems"]
    assert problem["place"] == "extra_instruments[0]"
    assert source.splitlines()[problem["line"] - 1] == "  - id: calm3"
