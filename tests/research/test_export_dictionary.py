"""Exports as an analyst reads them: flags, offers, context, types and the dictionary."""

import json
import uuid
from datetime import timedelta
from typing import get_args

import frictionless
import pytest

from savor.clock import utcnow
from savor.practices.shipped import default_catalog
from savor.research.codebook import load_codebook
from savor.research.exports import columns, dictionary, service
from savor.studies import service as studies_service
from savor.studies.models import Study
from savor.studies.service import default_protocol_source
from tests.factories import bearer, make_participant, make_research_token
from tests.research.expected import EXPORT, get, names, read_csv

STUDY = "/api/research/v1/studies/pilot"
CODEBOOK = STUDY + "/codebook"
PROTOCOLS = STUDY + "/protocols"


def _check_in(client, headers, instrument="hard_moment", context=None, **values) -> dict:
    body = {
        "context": context or {},
        "client_id": str(uuid.uuid4()),
        "instrument_id": instrument,
        "instrument_version": "1",
        "submitted_at": (utcnow() - timedelta(minutes=30)).isoformat(),
        "answers": [{"item_id": k, "value": v} for k, v in values.items()],
    }
    response = client.post("/api/v1/responses", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _practice(client, headers, practice_id: str, **changes) -> dict:
    practice = default_catalog().practices[practice_id]
    started = utcnow() - timedelta(minutes=12)
    body = {
        "client_id": str(uuid.uuid4()),
        "practice_id": practice_id,
        "practice_version": practice.version,
        "variant": practice.variants[0].key,
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=10)).isoformat(),
        "completed": True,
        "seconds_practiced": 600,
        "steps_completed": 3,
        "trigger": "self",
    } | changes
    response = client.post("/api/v1/practice-sessions", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_locked_practice_is_kept_and_flagged(client, session, settings):
    # P04 unlocks in week 5; a phone offline when her week turned may send it in week 1.
    headers, participant = make_participant(client, session, settings)
    _practice(client, headers, "P04")
    _practice(client, headers, "P01")
    token = make_research_token(session, session.get(Study, participant.study_id))
    rows = {r["practice_id"]: r for r in read_csv(get(client, token, "practice_sessions"))}
    assert rows["P04"]["locked_at_time"] == "true"
    assert rows["P01"]["locked_at_time"] == "false"


def _analyst(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    return headers, make_research_token(session, session.get(Study, participant.study_id))


def test_an_offer_her_answers_fired_is_exported_with_its_outcome_and_session(
    client, session, settings
):
    headers, token = _analyst(client, session, settings)
    checked_in = _check_in(client, headers, C1=8, S1=2)
    [offer] = checked_in["offers"]
    decided = {"outcome": "accepted"}
    assert client.post(f"/api/v1/offers/{offer['id']}", headers=headers, json=decided).is_success
    _practice(client, headers, "P03", trigger="rule", rule="offer_breathing")
    [row] = read_csv(get(client, token, "offers"))
    [practiced] = read_csv(get(client, token, "practice_sessions"))
    [answered] = {r["response_ref"] for r in read_csv(get(client, token, "responses"))}
    assert (row["rule"], row["threshold"], row["practice_id"]) == ("offer_breathing", "7", "P03")
    assert row["outcome"] == "accepted" and row["decided_at_utc"].endswith("Z")
    assert row["response_ref"] == practiced["response_ref"] == answered
    assert row["session_ref"] == practiced["session_ref"]
    assert practiced["offer_ref"] == row["offer_ref"]


def test_a_decided_offer_comes_again_in_the_next_pull(client, session, settings):
    headers, token = _analyst(client, session, settings)
    [offer] = _check_in(client, headers, C1=8)["offers"]
    response = client.get(EXPORT + "offers", headers=bearer(token))
    after = response.headers["Savor-Next-Since"]
    assert [r["outcome"] for r in read_csv(response.content)] == ["offered"]
    decided = {"outcome": "declined"}
    assert client.post(f"/api/v1/offers/{offer['id']}", headers=headers, json=decided).is_success
    again = client.get(EXPORT + "offers", params={"since": after}, headers=bearer(token))
    assert [r["outcome"] for r in read_csv(again.content)] == ["declined"]


def test_a_self_chosen_session_names_no_offer(client, session, settings):
    headers, token = _analyst(client, session, settings)
    _check_in(client, headers, C1=8)
    _practice(client, headers, "P03")
    [practiced] = read_csv(get(client, token, "practice_sessions"))
    assert (practiced["offer_ref"], practiced["response_ref"]) == ("", "")


def test_the_context_her_phone_sent_has_a_column(client, session, settings):
    headers, token = _analyst(client, session, settings)
    _check_in(client, headers, "end_of_day", {"practiced_today": False}, E1=3)
    _check_in(client, headers, C1=2)
    rows = read_csv(get(client, token, "responses"))
    by_instrument = {r["instrument_id"]: r["context_practiced_today"] for r in rows}
    assert by_instrument == {"end_of_day": "false", "hard_moment": ""}


def test_wide_columns_are_those_of_the_instruments_answered(client, study, token):
    header = get(client, token, "responses", shape="wide").decode().splitlines()[0].split(",")
    assert {"S1", "B1", "B1_alt", "E1", "E8", "SV1b", "J2"} <= set(header)
    assert not {"H1", "D1", "SV2", "CTRL", "TRG"} & set(header)  # never asked by a check-in


def test_wide_instrument_keeps_that_instruments_rows_and_items(client, study, token):
    body = get(client, token, "responses", shape="wide", instrument="end_of_day")
    header = body.decode().splitlines()[0]
    items = header.split(",")[header.split(",").index("declined") + 1 :]
    assert items == ["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8"]
    assert [r["response_ref"] for r in read_csv(body)] == [names(study)["diary"]]


def test_an_unknown_instrument_is_refused(client, study, token):
    response = client.get(
        EXPORT + "responses", params={"instrument": "nope"}, headers=bearer(token)
    )
    assert (response.status_code, response.json()["error"]["code"]) == (422, "unknown_instrument")


def test_declined_is_a_json_array_in_ndjson_and_semicolons_in_csv(client, study, token):
    n = names(study)
    lines = get(client, token, "responses", shape="wide", format="ndjson").decode().splitlines()
    rows = {r["response_ref"]: r for r in map(json.loads, lines)}
    assert (rows[n["answered"]]["declined"], rows[n["diary"]]["declined"]) == (["C1"], [])
    assert rows[n["answered"]]["B1"] is None and rows[n["answered"]]["B1_alt"] is True
    [practiced] = map(json.loads, get(client, token, "practice_sessions", format="ndjson").split())
    assert (practiced["pre_declined"], practiced["post_declined"]) == ([], ["C1"])


def test_practice_columns_are_only_those_asked_before_or_after(client, study, token):
    header = get(client, token, "practice_sessions").decode().splitlines()[0].split(",")
    assert {"pre_S1", "pre_A1", "post_H1", "post_CTRL", "post_SV2"} <= set(header)
    assert not {"pre_H1", "pre_D1", "pre_CTRL", "pre_SV2"} & set(header)


def test_downloads_are_named_by_study_dataset_shape_and_format(client, study, token):
    response = client.get(
        EXPORT + "responses", params={"shape": "wide", "format": "ndjson"}, headers=bearer(token)
    )
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="pilot-responses-wide.ndjson"'


def _resource_columns(session, study, free_text: bool):
    for resource in dictionary.resources():
        request = service.ExportRequest(
            dataset=resource.dataset, shape=resource.shape, free_text=free_text
        )
        plan = service.plan_export(session=session, study=study, request=request)
        yield resource, plan.columns


def test_every_dataset_is_in_the_dictionary():
    assert set(get_args(service.Dataset)) == set(columns.DATASETS)


def test_every_column_of_every_dataset_and_shape_is_described(session, study):
    codebook = load_codebook(session=session)
    for free_text in (False, True):
        for resource, written in _resource_columns(session, study.study, free_text):
            described = dictionary.describe(resource, written, codebook)
            assert [c.name for c in described] == written
            assert all(c.type in columns.TYPES and c.description for c in described)
    # Every item of every instrument as a wide column, as a long export of all could hold.
    every = columns.names(columns.wide_columns(codebook.item_ids(), codebook.alternatives()))
    wide = dictionary.Resource("responses", "wide")
    assert len(dictionary.describe(wide, every, codebook)) == len(every)


def test_a_column_nobody_describes_is_an_error(session, study):
    codebook = load_codebook(session=session)
    with pytest.raises(dictionary.UndocumentedColumn):
        dictionary.describe(dictionary.Resource("offers", "long"), ["mystery"], codebook)


def test_time_columns_are_typed_by_their_ending():
    typed = {
        n: columns.as_column((n, "a time")).type
        for n in ("sent_at_utc", "sent_at_local", "sent_at_local_wall", "sent_at_local_hour")
    }
    assert typed == {
        "sent_at_utc": "datetime",
        "sent_at_local": "datetime",
        "sent_at_local_wall": "datetime",
        "sent_at_local_hour": "integer",
    }
    assert columns.as_column(("sent_at_utc_offset_min", "")).unit == "minutes"


def test_the_data_package_reads_every_csv_export_typed(
    client, session, settings, study, token, tmp_path
):
    headers, _ = make_participant(client, session, settings)  # joins the fixture study
    [offer] = _check_in(client, headers, C1=8)["offers"]
    client.post(f"/api/v1/offers/{offer['id']}", headers=headers, json={"outcome": "accepted"})
    _practice(client, headers, "P03", trigger="rule", rule="offer_breathing")
    response = client.get(CODEBOOK, params={"format": "datapackage"}, headers=bearer(token))
    assert response.status_code == 200, response.text
    package = response.json()
    for resource in package["resources"]:
        wide = resource["name"].endswith("-wide")
        dataset = resource["name"].removesuffix("-wide")
        body = get(client, token, dataset, **({"shape": "wide"} if wide else {}))
        (tmp_path / resource["path"]).write_bytes(body)
    (tmp_path / "datapackage.json").write_text(json.dumps(package))
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "note"])
    # A dataset with no rows here (decisions without a trial, scores without a questionnaire
    # answered) is a header alone and reports no row count.
    rows = {task.name: task.stats.get("rows", 0) for task in report.tasks}
    assert rows["responses"] == 8 and rows["offers"] == 1 and rows["practice_sessions"] == 2
    paths = [r["path"] for r in package["resources"]]
    assert {"responses.csv", "responses-wide.csv", "offers.csv"} <= set(paths)


def test_the_codebook_csv_of_columns_types_every_column(client, study, token):
    response = client.get(
        CODEBOOK, params={"format": "csv", "part": "columns"}, headers=bearer(token)
    )
    rows = read_csv(response.content)
    late = next(r for r in rows if (r["dataset"], r["name"]) == ("responses", "late"))
    assert late["type"] == "boolean"
    versions = {r["type"] for r in rows if r["name"].endswith("instrument_version")}
    assert versions == {"string"}
    assert {r["dataset"] for r in rows} >= {"responses-wide", "offers", "practice_sessions"}


def test_the_json_codebook_describes_the_wide_shape_column_by_column(client, study, token):
    book = client.get(CODEBOOK, headers=bearer(token)).json()
    wide = {c["name"]: c for c in book["datasets"]["responses-wide"]}
    assert (wide["B1"]["type"], wide["B1_alt"]["type"], wide["declined"]["type"]) == (
        "integer",
        "boolean",
        "list",
    )
    assert {i["version"] for i in book["instruments"]} == {"1"}


def test_a_change_of_stage_brings_her_row_again(client, session, study, token):
    response = client.get(EXPORT + "participants", headers=bearer(token))
    after = response.headers["Savor-Next-Since"]
    study.bea.stage = "postpartum"
    session.add(study.bea)
    session.commit()
    again = client.get(EXPORT + "participants", params={"since": after}, headers=bearer(token))
    assert [r["stage"] for r in read_csv(again.content)] == ["postpartum"]


def test_every_protocol_version_is_readable(client, session, study, token):
    source = default_protocol_source().replace("study: demo", "study: pilot")
    studies_service.apply_protocol(
        session=session,
        source=source.replace("high_rating_threshold: 7", "high_rating_threshold: 8"),
        now=utcnow(),
    )
    versions = client.get(PROTOCOLS, headers=bearer(token)).json()
    assert [(v["version"], v["active"]) for v in versions] == [(1, False), (2, True)]
    thresholds = [v["document"]["features"]["high_rating_threshold"] for v in versions]
    assert thresholds[1] == 8 and thresholds[0] != 8
    assert versions[0]["created_at"]


def test_the_catalog_labels_each_practice_with_its_unlock_week(client, session, study, token):
    catalog = client.get(STUDY + "/catalog", headers=bearer(token)).json()
    practices = {p["id"]: p for p in catalog["practices"]}
    assert catalog["protocol_version"] == 1
    assert practices["P04"]["unlock_weeks"]["postpartum"] == 5
    assert practices["P03"]["title"]["es"] and practices["P03"]["kind"] in {
        "mindfulness",
        "reappraisal",
        "savoring",
    }
    missing = client.get(STUDY + "/catalog", params={"version": 9}, headers=bearer(token))
    assert missing.status_code == 404


def test_reading_protocols_and_catalog_is_audited(client, session, study, token):
    client.get(PROTOCOLS, headers=bearer(token))
    client.get(STUDY + "/catalog", headers=bearer(token))
    actions = [e["action"] for e in client.get(STUDY + "/audit", headers=bearer(token)).json()]
    assert {"protocols.read", "catalog.read"} <= set(actions)


def test_instrument_versions_are_text_in_every_export_and_the_data_package(client, study, token):
    lines = get(client, token, "responses", format="ndjson").decode().splitlines()
    assert {json.loads(line)["instrument_version"] for line in lines} == {"1"}
    [practiced] = map(json.loads, get(client, token, "practice_sessions", format="ndjson").split())
    assert (practiced["pre_instrument_version"], practiced["post_instrument_version"]) == ("1", "1")
    package = client.get(CODEBOOK, params={"format": "datapackage"}, headers=bearer(token)).json()
    typed = {
        field["type"]
        for resource in package["resources"]
        for field in resource["schema"]["fields"]
        if field["name"].endswith("instrument_version")
    }
    assert typed == {"string"}  # so "1" is never read as 1, nor as 1.0 beside an empty cell
