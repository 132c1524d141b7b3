"""Consent on record: she joins by agreeing to the study's current consent version, a newer
version asks her again before anything else, and every agreement is kept and exported."""

import re

import pytest
from sqlmodel import select

from savor.research.models import AuditEvent
from savor.studies import service as studies_service
from savor.studies.models import ConsentRecord, Participant
from tests.factories import bearer, make_code, make_participant, make_research_token, make_study
from tests.research.expected import get, read_csv

BASE = "/api/research/v1/studies/pilot"


def _source(version: int, *, staff_alerts: bool = False) -> str:
    source = studies_service.protocol_source_for(slug="pilot", name="Pilot study")
    source = re.sub(r"(?m)^  version: 1$", f"  version: {version}", source)
    return re.sub(
        r"(?m)^  staff_alerts: \w+$", f"  staff_alerts: {str(staff_alerts).lower()}", source
    )


def _put_protocol(client, session, token: str, version: int, **switches: bool) -> None:
    response = client.put(
        f"{BASE}/protocol",
        content=_source(version, **switches).encode(),
        headers=bearer(token) | {"Content-Type": "application/yaml"},
    )
    assert response.status_code == 200, response.text


def _enroll(client, code: str, version: int | None):
    body = {"code": code, "timezone": "America/Chicago", "language": "en"}
    if version is not None:
        body["consent_version"] = version
    return client.post("/api/v1/enroll", json=body)


def test_she_reads_the_consent_of_her_code_before_joining_in_her_language(
    client, session, settings
):
    code = make_code(session, settings, make_study(session))
    response = client.post("/api/v1/enroll/consent", json={"code": code, "language": "es"})
    assert response.status_code == 200, response.text
    consent = response.json()
    assert consent["version"] == 1
    assert consent["language"] == "es"
    assert "Nadie lee tus respuestas" in " ".join(consent["key_facts"])
    assert consent["document"].startswith("Este estudio")
    assert consent["staff_alerts"] is False
    assert consent["on_deletion"] == "everything"
    # Reading it does not use the code up.
    assert _enroll(client, code, 1).status_code == 201


def test_a_wrong_code_shows_no_consent(client, session, settings):
    make_study(session)
    response = client.post("/api/v1/enroll/consent", json={"code": "ZZZZ-ZZZZ"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_code"


def test_joining_without_agreeing_is_refused(client, session, settings):
    code = make_code(session, settings, make_study(session))
    response = _enroll(client, code, None)
    assert response.status_code == 422
    assert "consent_version" in response.text


def test_an_outdated_consent_is_refused_and_the_code_stays_usable(client, session, settings):
    study = make_study(session)
    code = make_code(session, settings, study)
    _put_protocol(client, session, make_research_token(session, study), 2)
    refused = _enroll(client, code, 1)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "consent_outdated"
    assert _enroll(client, code, 2).status_code == 201


def test_joining_records_her_agreement_with_what_it_covers(client, session, settings):
    _, participant = make_participant(client, session, settings)
    records = session.exec(select(ConsentRecord)).all()
    assert [(r.version, r.protocol_version, r.withdrawn_at) for r in records] == [(1, 1, None)]
    assert records[0].features == participant.agreed_features
    assert records[0].on_deletion == "everything"
    assert participant.consent_version == 1


def test_a_new_consent_version_asks_her_again_and_keeps_what_she_agreed_to(
    client, session, settings
):
    study = make_study(session)
    headers, _ = make_participant(client, session, settings, study=study)
    token = make_research_token(session, study)
    _put_protocol(client, session, token, 2, staff_alerts=True)
    me = client.get("/api/v1/me", headers=headers).json()
    assert me["consent_needed"] is True
    assert me["consent_version"] == 1
    # Until she agrees, what she agreed to stands: staff alerts stay off for her.
    assert me["staff_alerts"] is False
    shown = client.get("/api/v1/me/consent", headers=headers).json()
    assert (shown["version"], shown["agreed_version"], shown["staff_alerts"]) == (2, 1, True)


def test_agreeing_to_the_new_version_applies_it(client, session, settings):
    study = make_study(session)
    headers, participant = make_participant(client, session, settings, study=study)
    _put_protocol(client, session, make_research_token(session, study), 2, staff_alerts=True)
    response = client.post("/api/v1/me/consent", headers=headers, json={"version": 2})
    assert response.status_code == 200, response.text
    me = response.json()
    assert (me["consent_needed"], me["consent_version"], me["staff_alerts"]) == (False, 2, True)
    versions = session.exec(
        select(ConsentRecord.version).where(ConsentRecord.participant_id == participant.id)
    ).all()
    assert sorted(versions) == [1, 2]


def test_agreeing_to_an_older_version_is_refused(client, session, settings):
    study = make_study(session)
    headers, _ = make_participant(client, session, settings, study=study)
    _put_protocol(client, session, make_research_token(session, study), 2)
    response = client.post("/api/v1/me/consent", headers=headers, json={"version": 1})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "consent_outdated"


def test_her_check_ins_are_kept_while_she_has_not_agreed_again(client, session, settings):
    from tests.studies.test_consent import _answer

    study = make_study(session)
    headers, _ = make_participant(client, session, settings, study=study)
    _put_protocol(client, session, make_research_token(session, study), 2)
    assert _answer(client, headers, "momentary", C1=3).status_code == 201


def test_the_research_api_shows_who_has_not_agreed_again(client, session, settings):
    study = make_study(session)
    make_participant(client, session, settings, study=study)
    later_headers, _ = make_participant(client, session, settings, study=study)
    token = make_research_token(session, study)
    _put_protocol(client, session, token, 2)
    client.post("/api/v1/me/consent", headers=later_headers, json={"version": 2})
    listed = client.get(f"{BASE}/participants", headers=bearer(token)).json()
    assert sorted((p["consent_version"], p["consent_needed"]) for p in listed) == [
        (1, True),
        (2, False),
    ]


def test_withdrawing_ends_her_agreement_and_she_is_not_asked_again(client, session, settings):
    study = make_study(session)
    headers, _ = make_participant(client, session, settings, study=study)
    client.post("/api/v1/me/withdraw", headers=headers)
    _put_protocol(client, session, make_research_token(session, study), 2)
    assert client.get("/api/v1/me", headers=headers).json()["consent_needed"] is False
    record = session.exec(select(ConsentRecord)).one()
    session.refresh(record)
    assert record.withdrawn_at is not None


def test_the_consents_dataset_lists_every_agreement(client, session, settings):
    study = make_study(session)
    headers, _ = make_participant(client, session, settings, study=study)
    token = make_research_token(session, study)
    _put_protocol(client, session, token, 2, staff_alerts=True)
    client.post("/api/v1/me/consent", headers=headers, json={"version": 2})
    client.post("/api/v1/me/withdraw", headers=headers)
    rows = read_csv(get(client, token, "consents"))
    assert [(r["version"], r["features"]) for r in sorted(rows, key=lambda r: r["version"])] == [
        ("1", ""),
        ("2", "staff_alerts"),
    ]
    assert all(r["withdrawn_at_utc"].endswith("Z") for r in rows)
    assert all(r["agreed_at_utc"] and r["pseudonym"].startswith("P") for r in rows)


def test_an_incremental_pull_of_consents_brings_only_what_changed(client, session, settings):
    study = make_study(session)
    headers, _ = make_participant(client, session, settings, study=study)
    token = make_research_token(session, study)
    first = client.get(f"{BASE}/export/consents", headers=bearer(token))
    since = first.headers["Savor-Next-Since"]
    assert read_csv(get(client, token, "consents", since=since)) == []
    client.post("/api/v1/me/withdraw", headers=headers)
    again = read_csv(get(client, token, "consents", since=since))
    assert len(again) == 1 and again[0]["withdrawn_at_utc"]


def test_the_audit_trail_records_each_change_of_consent(client, session, settings):
    study = make_study(session)
    headers, _ = make_participant(client, session, settings, study=study)
    _put_protocol(client, session, make_research_token(session, study), 2)
    client.post("/api/v1/me/consent", headers=headers, json={"version": 2})
    client.post("/api/v1/me/withdraw", headers=headers)
    events = session.exec(
        select(AuditEvent).where(AuditEvent.actor == "participant").order_by(AuditEvent.at)
    ).all()
    assert [(e.action, e.detail.get("version")) for e in events] == [
        ("consent.agreed", 1),
        ("consent.agreed", 2),
        ("consent.withdrawn", None),
    ]
    assert all(e.detail["pseudonym"].startswith("P") for e in events)


@pytest.mark.parametrize("field", ["document", "key_facts"])
def test_the_default_consent_reads_at_grade_6_or_below(field):
    textstat = pytest.importorskip("textstat")
    consent = studies_service.parse_protocol(studies_service.default_protocol_source()).consent
    assert consent is not None
    english = (
        consent.document.en if field == "document" else " ".join(f.en for f in consent.key_facts)
    )
    assert textstat.flesch_kincaid_grade(english) <= 6


def test_a_participant_row_keeps_the_version_she_agreed_to(client, session, settings):
    _, participant = make_participant(client, session, settings)
    stored = session.get_one(Participant, participant.id)
    assert stored.consent_version == 1


def test_changed_consent_words_without_a_new_version_are_refused(client, session, settings):
    study = make_study(session)
    source = _source(1).replace("It is for moms.", "It is for mothers.")
    response = client.put(
        f"{BASE}/protocol",
        content=source.encode(),
        headers=bearer(make_research_token(session, study)) | {"Content-Type": "application/yaml"},
    )
    assert response.status_code == 422
    assert "consent" in response.text and "version" in response.text
