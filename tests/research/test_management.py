"""Protocols, enrollment codes, participants, deletion and the audit trail through the API."""

import csv
import io

import pytest
from sqlmodel import col, select

from savor.ema.models import Prompt, Response, ResponseItem
from savor.practices.models import PracticeSession
from savor.research.access import TokenScope
from savor.research.models import AuditEvent
from savor.studies import service as studies_service
from savor.studies.models import Participant, ParticipantToken, Protocol
from savor.studies.pseudonym import pseudonym
from tests.factories import bearer, make_participant, make_research_token, make_study, prompts_of
from tests.research import fixture
from tests.studies.test_protocol import alias_bomb

BASE = "/api/research/v1/studies/pilot"
YAML = {"Content-Type": "application/yaml"}


def _put_protocol(client, token: str, source: str):
    return client.put(f"{BASE}/protocol", content=source.encode(), headers=bearer(token) | YAML)


def _actions(session) -> list[str]:
    session.expire_all()
    return [e.action for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.at)))]


def test_a_new_protocol_is_a_new_version_and_old_prompts_keep_theirs(client, session, settings):
    _, participant = make_participant(client, session, settings)
    token = make_research_token(session, studies_service.get_study(session=session, slug="pilot"))
    source = studies_service.protocol_source_for(slug="pilot", name="Pilot study, second wave")
    response = _put_protocol(client, token, source)
    assert response.status_code == 200
    assert response.json() == {"study": "pilot", "protocol_version": 2, "changed": True}
    assert {p.protocol_version for p in prompts_of(session, participant)} == {1}
    assert "protocol.update" in _actions(session)


def test_the_same_protocol_twice_changes_nothing(client, session):
    token = make_research_token(session, make_study(session))
    source = studies_service.protocol_source_for(slug="pilot", name="Pilot study")
    assert _put_protocol(client, token, source).json()["changed"] is False


def test_an_invalid_protocol_lists_every_problem(client, session):
    token = make_research_token(session, make_study(session))
    source = studies_service.protocol_source_for(slug="pilot", name="Pilot study")
    source = source.replace("per_day: 3", "per_day: 40").replace("weeks: 8", "weeks: 0")
    response = _put_protocol(client, token, source)
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    messages = " ".join(f["message"] for f in fields)
    assert len(fields) == 2
    assert "per_day" in messages and "weeks" in messages


def test_a_protocol_hiding_a_practice_that_does_not_exist_is_refused(client, session):
    token = make_research_token(session, make_study(session))
    source = studies_service.protocol_source_for(slug="pilot", name="Pilot study")
    source = source.replace("hidden_practices: []", "hidden_practices: [P42]")
    response = _put_protocol(client, token, source)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [
        {"field": "protocol", "message": "protocol: program.hidden_practices: no practice P42"}
    ]


def test_yaml_that_does_not_parse_says_where(client, session):
    token = make_research_token(session, make_study(session))
    response = _put_protocol(client, token, "study: pilot\n  name: [oops\n")
    assert response.status_code == 422
    assert "line" in response.json()["error"]["message"]


def test_a_protocol_that_reuses_yaml_anchors_is_refused_and_not_stored(client, session):
    study = make_study(session)
    token = make_research_token(session, study)
    source = alias_bomb(studies_service.protocol_source_for(slug="pilot", name="Pilot study"))
    response = _put_protocol(client, token, source)
    assert response.status_code == 422
    assert "YAML anchor or alias" in response.json()["error"]["message"]
    session.expire_all()
    assert studies_service.get_study(session=session, slug="pilot").active_protocol_version == 1
    assert len(session.exec(select(Protocol)).all()) == 1


def test_a_protocol_for_another_study_is_refused(client, session):
    token = make_research_token(session, make_study(session))
    source = studies_service.protocol_source_for(slug="other-site", name="Other")
    response = _put_protocol(client, token, source)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "wrong_study"
    assert studies_service.get_study(session=session, slug="other-site") is None


def test_codes_come_with_links_and_printable_qr_codes(client, session, settings):
    token = make_research_token(session, make_study(session))
    response = client.post(f"{BASE}/enrollment-codes", json={"count": 3}, headers=bearer(token))
    assert response.status_code == 201
    codes = response.json()["codes"]
    assert len(codes) == 3
    first = codes[0]
    assert first["link"] == f"{settings.public_url}/?code={first['code']}"
    assert first["qr_svg"].startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    body = {
        "code": first["code"],
        "timezone": "America/Chicago",
        "language": "es",
        "consent_version": 1,
    }
    assert client.post("/api/v1/enroll", json=body).status_code == 201


def test_the_audit_records_how_many_codes_but_never_the_codes(client, session):
    token = make_research_token(session, make_study(session))
    codes = client.post(f"{BASE}/enrollment-codes", json={"count": 2}, headers=bearer(token))
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "codes.create")).all()
    assert event.detail == {"count": 2}
    assert codes.json()["codes"][0]["code"] not in str(event.detail)


def test_too_many_codes_at_once_is_a_clear_422(client, session):
    token = make_research_token(session, make_study(session))
    response = client.post(f"{BASE}/enrollment-codes", json={"count": 5000}, headers=bearer(token))
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "count"


def test_participants_are_listed_under_pseudonyms_with_week_and_compliance(
    client, session, settings
):
    _, participant = make_participant(client, session, settings)
    study = studies_service.get_study(session=session, slug="pilot")
    token = make_research_token(session, study)
    [row] = client.get(f"{BASE}/participants", headers=bearer(token)).json()
    assert row["pseudonym"] == pseudonym(study_secret=study.secret, participant_id=participant.id)
    assert (row["status"], row["program_week"], row["stage"]) == ("active", 1, "postpartum")
    assert set(row["compliance"]) >= {"due", "completed", "late", "expired", "rate"}
    assert str(participant.id) not in str(row)


@pytest.mark.parametrize("route", ["participants", "compliance"])
def test_participants_come_by_pseudonym_never_in_the_order_they_joined(
    client, session, settings, route
):
    joined = [make_participant(client, session, settings)[1] for _ in range(6)]
    study = studies_service.get_study(session=session, slug="pilot")
    token = make_research_token(session, study)
    body = client.get(f"{BASE}/{route}", headers=bearer(token)).json()
    rows = body if route == "participants" else body["participants"]
    listed = [row["pseudonym"] for row in rows]
    assert listed == sorted(
        pseudonym(study_secret=study.secret, participant_id=p.id) for p in joined
    )


def _count(session, model, **where) -> int:
    query = select(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return len(session.exec(query).all())


def test_deleting_a_participant_removes_all_her_data_and_only_hers(client, session):
    f = fixture.build(session)
    session.add(ParticipantToken(participant_id=f.ana.id, token_hash="a" * 64))
    session.commit()
    token = make_research_token(session, f.study)
    ana, answered, bea = f.ana.id, f.answered.id, f.bea.id
    name = pseudonym(study_secret=f.study.secret, participant_id=ana)
    response = client.delete(f"{BASE}/participants/{name}", headers=bearer(token))
    assert response.status_code == 204
    session.expire_all()
    assert _count(session, Participant, id=ana) == 0
    assert _count(session, ParticipantToken, participant_id=ana) == 0
    assert _count(session, Prompt, participant_id=ana) == 0
    assert _count(session, Response, participant_id=ana) == 0
    assert _count(session, PracticeSession, participant_id=ana) == 0
    assert _count(session, ResponseItem, response_id=answered) == 0
    assert _count(session, Response, participant_id=bea) == 1
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "participants.delete"))
    assert event.detail == {"pseudonym": name}


def test_deleting_an_unknown_pseudonym_is_404(client, session):
    token = make_research_token(session, make_study(session))
    response = client.delete(f"{BASE}/participants/PAAAAAAAAAA", headers=bearer(token))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_participant"


def test_the_audit_shows_who_read_which_rows_newest_first(client, session):
    f = fixture.build(session)
    token = make_research_token(session, f.study, label="r-script")
    export = client.get(f"{BASE}/export/responses", params={"since": 0}, headers=bearer(token))
    events = client.get(f"{BASE}/audit", headers=bearer(token)).json()
    assert [e["action"] for e in events] == ["export.completed", "export.read"]
    completed, read = events
    assert read["actor"] == "token:r-script"
    assert read["detail"]["dataset"] == "responses"
    assert (read["detail"]["since"], read["detail"]["until"]) == (
        0,
        int(export.headers["Savor-Next-Since"]),
    )
    assert completed["detail"]["rows"] == 7
    assert _actions(session)[-1] == "audit.read"


def test_the_audit_pages_back_with_before(client, session):
    token = make_research_token(session, make_study(session))
    for _ in range(3):
        client.get(BASE, headers=bearer(token))
    first = client.get(f"{BASE}/audit", params={"limit": 2}, headers=bearer(token)).json()
    rest = client.get(
        f"{BASE}/audit", params={"before": first[-1]["at"]}, headers=bearer(token)
    ).json()
    assert len(first) == 2
    assert [e["action"] for e in rest] == ["studies.read"]


def test_codebook_lists_every_item_with_wording_in_both_languages(client, session):
    token = make_research_token(session, make_study(session), [TokenScope.STUDIES_READ])
    book = client.get(f"{BASE}/codebook", headers=bearer(token)).json()
    momentary = next(i for i in book["instruments"] if i["id"] == "momentary")
    s1 = next(i for i in momentary["items"] if i["id"] == "S1")
    assert (momentary["version"], s1["type"], s1["scale_min"], s1["scale_max"]) == (
        "1",
        "rating",
        0,
        10,
    )
    assert s1["text"]["es"].startswith("¿Qué tan estresada")
    assert s1["min_label"] == {"en": "Not at all stressed", "es": "Nada estresada"}
    assert "responses" in book["datasets"]


def test_codebook_as_csv_has_a_row_per_item(client, session):
    token = make_research_token(session, make_study(session), [TokenScope.STUDIES_READ])
    response = client.get(f"{BASE}/codebook", params={"format": "csv"}, headers=bearer(token))
    rows = list(csv.DictReader(io.StringIO(response.text)))
    e3 = next(r for r in rows if (r["instrument_id"], r["item_id"]) == ("end_of_day", "E3"))
    assert e3["options_en"] == "0=None | 1=1\u20132 | 2=3\u20135 | 3=More than 5"
    assert e3["options_es"].startswith("0=Ninguno")
    b1 = next(r for r in rows if (r["instrument_id"], r["item_id"]) == ("momentary", "B1"))
    assert (b1["alternative"], b1["audience"], b1["scale_max"]) == (
        "not_with_baby",
        "postpartum",
        "10",
    )


@pytest.mark.parametrize("before", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_the_audit_refuses_a_before_no_clock_can_mean(client, session, before):
    token = make_research_token(session, make_study(session))
    answer = client.get(f"{BASE}/audit", params={"before": before}, headers=bearer(token))
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"][0]["field"] == "before"
