"""Her data in her hands: she can read everything the server holds about her, and ask for it
to be deleted; a deletion leaves every later export and is listed for copies to follow."""

import json
import re
from pathlib import Path

from sqlmodel import select

from savor import her_data as her_data_module
from savor.clock import utcnow
from savor.research.access import TokenScope
from savor.research.exports.run import count_records
from savor.research.exports.service import ExportRequest, plan_export
from savor.research.models import AuditEvent
from savor.studies import service as studies_service
from savor.studies.models import ConsentRecord, Participant, ParticipantToken
from tests.ema.test_questionnaire_answers import phq9_body
from tests.factories import (
    bearer,
    make_code,
    make_participant,
    make_research_token,
    make_study,
    practice_body,
)
from tests.research.expected import get, read_csv
from tests.studies.test_consent import _answer

BASE = "/api/research/v1/studies/pilot"
PWA = Path(__file__).resolve().parents[1] / "pwa"


def _keep_until_withdrawal(client, session, token: str) -> None:
    source = studies_service.protocol_source_for(slug="pilot", name="Pilot study")
    source = re.sub(r"(?m)^  on_deletion: \w+$", "  on_deletion: keep_until_withdrawal", source)
    source = re.sub(r"(?m)^  version: 1$", "  version: 2", source)  # a new consent
    answer = client.put(
        f"{BASE}/protocol",
        content=source.encode(),
        headers=bearer(token) | {"Content-Type": "application/yaml"},
    )
    assert answer.status_code == 200, answer.text


def _busy_participant(client, session, settings):
    study = make_study(session)
    headers, participant = make_participant(client, session, settings, study=study)
    assert _answer(client, headers, "momentary", C1=4, S1=6).status_code == 201
    practice = client.post(
        "/api/v1/practice-sessions", headers=headers, json=practice_body(utcnow())
    )
    assert practice.status_code == 201, practice.text
    return study, headers, participant


def test_her_export_holds_her_settings_consent_check_ins_and_practices(client, session, settings):
    _, headers, _ = _busy_participant(client, session, settings)
    response = client.get("/api/v1/me/export", headers=headers)
    assert response.status_code == 200, response.text
    mine = response.json()
    assert mine["participant"]["timezone"] == "America/Chicago"
    assert mine["pseudonym"].startswith("P")
    records = mine["records"]
    assert [c["version"] for c in records["consent_record"]] == [1]
    assert len(records["response"]) == 1
    assert {i["item_id"] for i in records["response_item"]} == {"C1", "S1"}
    assert len(records["practice_session"]) == 1
    assert records["prompt"], "her planned prompts are hers too"
    assert mine["on_deletion"] == "everything"
    assert [e["action"] for e in mine["audit_events"]] == ["consent.agreed"]


def test_her_export_gives_her_questionnaire_totals_without_their_band(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    values = {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2, 9: 0}  # 16: "moderately severe"
    assert client.post("/api/v1/responses", headers=headers, json=phq9_body(values)).is_success

    [phq9] = client.get("/api/v1/me/export", headers=headers).json()["questionnaires"]

    assert phq9["instrument_id"] == "phq9"
    assert (phq9["score"], phq9["lowest"], phq9["highest"]) == (16, 0, 27)
    assert (phq9["answered"], phq9["skipped"]) == (9, 0)
    assert "band" not in phq9


def test_her_export_never_shows_a_secret(client, session, settings):
    _, headers, _ = _busy_participant(client, session, settings)
    text = client.get("/api/v1/me/export", headers=headers).text
    token = headers["Authorization"].removeprefix("Bearer ")
    assert token not in text
    stored = session.exec(select(ParticipantToken.token_hash)).one()
    assert stored not in text
    assert "token_hash" not in text


def test_her_export_holds_only_her_own_records(client, session, settings):
    study, headers, _ = _busy_participant(client, session, settings)
    other_headers, _ = make_participant(client, session, settings, study=study)
    _answer(client, other_headers, "momentary", C1=9)
    mine = client.get("/api/v1/me/export", headers=headers).json()
    assert len(mine["records"]["response"]) == 1
    assert {i["value"] for i in mine["records"]["response_item"]} == {4, 6}


def test_deleting_everything_removes_her_and_her_sign_in(client, session, settings):
    _, headers, participant = _busy_participant(client, session, settings)
    her_id = participant.id
    response = client.post("/api/v1/me/deletion", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"scope": "everything"}
    session.expire_all()
    assert session.get(Participant, her_id) is None
    assert session.exec(select(ConsentRecord)).all() == []
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_deletion_leaves_every_later_export_and_is_listed_in_the_next_pull(
    client, session, settings
):
    study, headers, _ = _busy_participant(client, session, settings)
    token = make_research_token(session, study)
    [before] = read_csv(get(client, token, "participants"))
    pulled = client.get(f"{BASE}/export/deletions", headers=bearer(token))
    since = pulled.headers["Savor-Next-Since"]
    assert read_csv(pulled.content) == []
    client.post("/api/v1/me/deletion", headers=headers)
    for dataset in ("participants", "responses", "practice_sessions", "prompts", "consents"):
        assert read_csv(get(client, token, dataset)) == [], dataset
    listed = client.get(
        f"{BASE}/export/deletions",
        params={"since": since, "format": "ndjson"},
        headers=bearer(token),
    )
    [row] = [line for line in listed.text.splitlines() if line]
    assert f'"pseudonym":"{before["pseudonym"]}"' in row.replace(" ", "")
    assert '"deleted_at":"' in row.replace(" ", "")
    later = listed.headers["Savor-Next-Since"]
    assert read_csv(get(client, token, "deletions", since=later)) == []


def test_a_deletion_by_the_study_team_at_her_request_is_listed_too(client, session, settings):
    study, _, _ = _busy_participant(client, session, settings)
    token = make_research_token(
        session,
        study,
        scopes=[
            TokenScope.PARTICIPANTS_READ,
            TokenScope.PARTICIPANTS_DELETE,
            TokenScope.EXPORT_READ,
        ],
    )
    [row] = read_csv(get(client, token, "participants"))
    gone = client.delete(f"{BASE}/participants/{row['pseudonym']}", headers=bearer(token))
    assert gone.status_code == 204
    assert [r["pseudonym"] for r in read_csv(get(client, token, "deletions"))] == [row["pseudonym"]]


def test_a_study_that_keeps_data_until_withdrawal_withdraws_her_and_ends_her_sign_in(
    client, session, settings
):
    study = make_study(session)
    token = make_research_token(session, study)
    _keep_until_withdrawal(client, session, token)
    # She agreed under this consent: it says what her deletion removes.
    body = {"code": make_code(session, settings, study), "timezone": "UTC", "consent_version": 2}
    joined = client.post("/api/v1/enroll", json=body)
    assert joined.status_code == 201, joined.text
    headers = bearer(joined.json()["token"])
    _answer(client, headers, "momentary", C1=2)
    response = client.post("/api/v1/me/deletion", headers=headers)
    assert response.json() == {"scope": "keep_until_withdrawal"}
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    [row] = read_csv(get(client, token, "participants"))
    assert row["status"] == "withdrawn"
    assert len(read_csv(get(client, token, "responses"))) == 1
    assert read_csv(get(client, token, "deletions")) == []


def test_what_she_agreed_to_decides_what_a_deletion_removes(client, session, settings):
    study = make_study(session)
    headers, _ = make_participant(client, session, settings, study=study)
    # The study changes its rule later; until she agrees to it, her consent stands.
    _keep_until_withdrawal(client, session, make_research_token(session, study))
    assert client.post("/api/v1/me/deletion", headers=headers).json() == {"scope": "everything"}


def test_a_deletion_is_on_the_audit_trail_under_her_pseudonym(client, session, settings):
    _, headers, _ = _busy_participant(client, session, settings)
    name = client.get("/api/v1/me/export", headers=headers).json()["pseudonym"]
    client.post("/api/v1/me/deletion", headers=headers)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "participant.deleted")).one()
    assert event.detail == {"pseudonym": name, "scope": "everything"}
    assert event.actor == "participant"


def test_the_export_progress_counts_deletions_of_this_study_only(client, session, settings):
    study, headers, _ = _busy_participant(client, session, settings)
    other = make_study(session, slug="other", name="Other study")
    other_headers, _ = make_participant(client, session, settings, study=other)
    client.post("/api/v1/me/deletion", headers=headers)
    client.post("/api/v1/me/deletion", headers=other_headers)
    for dataset, expected in (("deletions", 1), ("consents", 0)):
        plan = plan_export(session=session, study=study, request=ExportRequest(dataset=dataset))
        assert count_records(session=session, plan=plan) == expected, dataset


def _tables_below(root) -> set[str]:
    found, level = set(), [root]
    while level:
        level = [t for parent in level for t, _ in her_data_module._children(parent)]
        level = [t for t in level if t.name not in found]
        found |= {t.name for t in level}
    return found


def test_every_kind_of_record_on_her_data_page_has_a_name_in_words_in_each_language():
    """A table the page has no section for is listed under "Other records": by a label she can
    read, never by its table name, and a table added later needs its label first."""
    page = (PWA / "js" / "views" / "mydata.js").read_text()
    own_sections = set(
        re.findall(r'"(\w+)"', page.split("const SHOWN = new Set([")[1].split("]")[0])
    )
    listed = _tables_below(Participant.__table__) - own_sections
    assert listed, "her data holds tables beyond the page's own sections"
    for language in ("en", "es"):
        labels = json.loads((PWA / "i18n" / f"{language}.json").read_text())["mydata"]["tables"]
        assert listed <= set(labels), (language, sorted(listed - set(labels)))
        assert all("_" not in label for label in labels.values())
