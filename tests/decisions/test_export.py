"""The decisions dataset: one row per stored decision point, with what followed it."""

import json
from datetime import timedelta

from sqlmodel import select

from savor.clock import utcnow
from savor.ema.decisions.models import Decision
from savor.ema.models import Prompt
from savor.research.anonymize import Anonymizer
from tests.decisions.conftest import check_in, decisions_of, practice_offers, run_trial, sleeps
from tests.decisions.protocols import DECISIONS
from tests.factories import make_participant, make_research_token, practice_body
from tests.research.expected import get, read_csv

ALWAYS = DECISIONS.replace(
    "{breathing: 0.3, savoring: 0.2, none: 0.5}",
    "{breathing: 0.999999, savoring: 0, none: 0.000001}",
)


def test_every_stored_decision_is_one_row_as_stored(client, session, settings, trial):
    headers, her = make_participant(client, session, settings, study=trial)
    check_in(client, headers, C1=7)
    check_in(client, headers, S1=8)
    check_in(client, headers, C1=9)  # a crisis: logged, never randomized
    check_in(client, headers, C1=2)  # no decision point
    token = make_research_token(session, trial)
    rows = read_csv(get(client, token, "decisions"))
    stored = decisions_of(session)
    assert len(rows) == len(stored) == 3
    anonymizer = Anonymizer(study_secret=trial.secret, shift_dates=False)
    by_ref = {r["decision_ref"]: r for r in rows}
    for d in stored:
        row = by_ref[anonymizer.ref("D", d.id)]
        assert row["pseudonym"] == anonymizer.person(her.id)[0]
        assert (row["rule"], row["point_kind"], row["stratum"]) == (d.rule, d.kind, d.stratum or "")
        assert row["available"] == str(d.available).lower()
        assert row["unavailable_reason"] == (d.unavailable_reason or "")
        assert row["option"] == (d.option or "")
        assert row["practice_id"] == (d.practice_id or "")
        for option, p in d.probabilities.items():
            assert float(row[f"p_{option}"]) == p
        assert row["day_in_study"] == "1"
        assert (row["window_start_min"], row["window_end_min"]) == ("30", "120")
        assert row["decided_at_utc"].endswith("Z") and row["decided_at_local"]
    crisis = next(r for r in rows if r["unavailable_reason"] == "crisis")
    assert (crisis["option"], crisis["offered"], crisis["draw"]) == ("", "", "")


def test_the_offer_practice_and_proximal_outcome_follow_the_decision(
    client, session, settings, clock
):
    study = run_trial(session, ALWAYS)
    headers, _ = make_participant(client, session, settings, study=study)
    decided = utcnow() + timedelta(hours=1)
    # Awake for the whole window whatever the hour the test runs at: a window in her sleep
    # has no follow-up.
    sleeps(
        client, headers, wake_in=timedelta(hours=-5), sleep_in=timedelta(hours=10), around=decided
    )
    clock(decided)
    reply = check_in(client, headers, C1=7, S1=6, sent=decided)
    [offer] = practice_offers(reply)
    assert client.post(
        f"/api/v1/offers/{offer['id']}", headers=headers, json={"outcome": "accepted"}
    ).is_success
    clock(decided + timedelta(minutes=6))
    started = decided + timedelta(minutes=1)
    body = practice_body(started, practice_id="P03", trigger="rule", rule=offer["rule"])
    body |= {
        "practice_version": _version("P03"),
        "variant": "3min",
        "seconds_practiced": 180,
        "steps_completed": 3,
    }
    assert client.post("/api/v1/practice-sessions", headers=headers, json=body).status_code == 201
    [decision] = session.exec(select(Decision)).all()
    follow_up = session.get(Prompt, decision.follow_up_prompt_id)
    answered = decided + timedelta(minutes=40)
    clock(answered)
    check_in(client, headers, C1=3, S1=2, prompt_id=follow_up.id, sent=answered)
    token = make_research_token(session, study)
    csv_row = read_csv(get(client, token, "decisions"))[0]
    ndjson_row = json.loads(get(client, token, "decisions", format="ndjson").splitlines()[0])
    for row in (csv_row, ndjson_row):
        assert str(row["offer_outcome"]) == "accepted"
        assert (
            str(row["practice_started"]).lower() == str(row["practice_completed"]).lower() == "true"
        )
        assert row["outcome_source"] == "follow_up"
        assert str(row["outcome_C1"]) == "3" and str(row["outcome_S1"]) == "2"
        assert row["outcome_at_utc"].startswith(answered.strftime("%Y-%m-%dT%H:%M"))
    assert ndjson_row["offered"] is True and ndjson_row["p_offer"] == 0.999999
    assert ndjson_row["rating"] == 7 and isinstance(ndjson_row["draw"], float)


def test_the_dataset_is_documented_in_the_codebook(client, session, settings, trial):
    headers, _ = make_participant(client, session, settings, study=trial)
    check_in(client, headers, C1=7)
    token = make_research_token(session, trial)
    header = read_csv(get(client, token, "decisions"))[0].keys()
    codebook = client.get(
        "/api/research/v1/studies/pilot/codebook", headers={"Authorization": f"Bearer {token}"}
    )
    assert codebook.status_code == 200
    documented = {c["name"] for c in codebook.json()["datasets"]["decisions"]}
    assert set(header) <= documented
    assert {"p_breathing", "p_savoring", "p_none", "outcome_C1", "outcome_S1"} <= documented


def _version(practice_id: str) -> str:
    from savor.practices.shipped import default_catalog

    return default_catalog().practices[practice_id].version


def test_the_csv_reads_typed_by_its_data_package(client, session, settings, trial, tmp_path):
    import frictionless

    headers, _ = make_participant(client, session, settings, study=trial)
    check_in(client, headers, C1=7)
    check_in(client, headers, C1=9)
    token = make_research_token(session, trial)
    package = client.get(
        "/api/research/v1/studies/pilot/codebook",
        params={"format": "datapackage"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    package["resources"] = [r for r in package["resources"] if r["name"] == "decisions"]
    (tmp_path / "decisions.csv").write_bytes(get(client, token, "decisions"))
    (tmp_path / "datapackage.json").write_text(json.dumps(package))
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "note"])
    assert report.tasks[0].stats["rows"] == 2
