"""What she agreed to when she joined stays what applies to her: a later protocol that collects
or reveals more reaches her only after she agrees again; one that collects less, at once."""

import re
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from savor.clock import utcnow
from savor.ema.alerts import StaffAlert
from savor.research import webhook
from savor.studies import consent
from savor.studies import service as studies_service
from savor.studies.protocol import Features
from tests.factories import bearer, make_participant, make_research_token, make_study, prompts_of

BASE = "/api/research/v1/studies/pilot"
WATCHED = {"staff_alerts": True, "sensitive_use_item": True}


def _source(**switches: bool) -> str:
    source = studies_service.protocol_source_for(slug="pilot", name="Pilot study")
    for name, on in switches.items():
        source = re.sub(rf"(?m)^  {name}: \w+$", f"  {name}: {str(on).lower()}", source)
    return source


def _put_protocol(client, session, **switches: bool) -> None:
    token = make_research_token(session, studies_service.get_study(session=session, slug="pilot"))
    response = client.put(
        f"{BASE}/protocol",
        content=_source(**switches).encode(),
        headers=bearer(token) | {"Content-Type": "application/yaml"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["changed"] is True


def _joined_before_alerts_and_the_opioid_item(client, session, settings) -> dict[str, str]:
    make_study(session)
    headers, _ = make_participant(client, session, settings)
    _put_protocol(client, session, **WATCHED)
    return headers


def _answer(client, headers, instrument: str, **values):
    answers = [{"item_id": k, "value": v, "declined": False} for k, v in values.items()]
    return client.post(
        "/api/v1/responses",
        headers=headers,
        json={
            "client_id": str(uuid.uuid4()),
            "instrument_id": instrument,
            "instrument_version": "1",
            "submitted_at": (utcnow() - timedelta(minutes=1)).isoformat(),
            "answers": answers,
        },
    )


def _diary_items(client, headers) -> set[str]:
    diary = client.get("/api/v1/instruments/end_of_day", headers=headers).json()
    return {item["id"] for item in diary["items"]}


@pytest.mark.parametrize(
    ("agreed", "now", "expected"),
    [
        (False, True, False),  # more revealing: on only with her yes
        (True, True, True),
        (True, False, False),  # turned off: applies at once
    ],
)
def test_a_revealing_switch_is_on_only_while_she_agreed_and_the_study_has_it(agreed, now, expected):
    features = Features(staff_alerts=now, sensitive_use_item=now)
    mine = consent.effective(agreed={"staff_alerts": agreed}, features=features)
    assert mine.staff_alerts is expected
    assert mine.sensitive_use_item is False  # never agreed to


def test_date_shifting_stays_on_once_either_side_has_it():
    agreed = {"date_shift_exports": True}
    assert consent.effective(agreed=agreed, features=Features()).date_shift_exports is True
    later = Features(date_shift_exports=True)
    assert consent.effective(agreed={}, features=later).date_shift_exports is True


def test_other_settings_follow_the_protocol():
    features = Features(high_rating_threshold=5)
    assert consent.effective(agreed={}, features=features).high_rating_threshold == 5


def test_enrolling_records_the_switches_and_version_she_joined_under(client, session, settings):
    make_study(session)
    _put_protocol(client, session, staff_alerts=True)
    _, participant = make_participant(client, session, settings)
    assert participant.agreed_protocol_version == 2
    assert participant.agreed_features == {
        "staff_alerts": True,
        "sensitive_use_item": False,
        "medication_item": False,
        "free_text_to_server": False,
        "date_shift_exports": False,
    }


def test_after_a_change_she_did_not_agree_to_me_and_help_still_say_no_one_watches(
    client, session, settings
):
    headers = _joined_before_alerts_and_the_opioid_item(client, session, settings)
    assert client.get("/api/v1/me", headers=headers).json()["staff_alerts"] is False
    assert client.get("/api/v1/help", headers=headers).json()["staff_alerts"] is False


def test_after_a_change_she_did_not_agree_to_her_diary_has_no_opioid_item(
    client, session, settings
):
    headers = _joined_before_alerts_and_the_opioid_item(client, session, settings)
    assert "E8" not in _diary_items(client, headers)


def test_after_a_change_she_did_not_agree_to_her_open_diary_prompt_has_no_opioid_item(
    client, session, settings
):
    make_study(session)
    headers, participant = make_participant(client, session, settings)
    _put_protocol(client, session, **WATCHED)
    diary = next(p for p in prompts_of(session, participant) if p.instrument_id == "end_of_day")
    diary.scheduled_at = utcnow() - timedelta(minutes=1)
    session.add(diary)
    session.commit()
    open_now = client.get("/api/v1/prompts", headers=headers).json()
    shown = next(p for p in open_now if p["id"] == str(diary.id))
    assert "E8" not in {item["id"] for item in shown["instrument"]["items"]}


def test_after_a_change_she_did_not_agree_to_an_opioid_answer_is_refused(client, session, settings):
    headers = _joined_before_alerts_and_the_opioid_item(client, session, settings)
    response = _answer(client, headers, "end_of_day", E8=False)
    assert response.status_code == 422
    assert "answers.E8" in {f["field"] for f in response.json()["error"]["fields"]}


def test_after_a_change_she_did_not_agree_to_a_crisis_answer_alerts_no_one(
    client, session, settings
):
    headers = _joined_before_alerts_and_the_opioid_item(client, session, settings)
    token = make_research_token(session, studies_service.get_study(session=session, slug="pilot"))
    hook = client.put(
        f"{BASE}/webhook", json={"url": "https://alerts.example.org/savor"}, headers=bearer(token)
    )
    assert hook.status_code == 200
    response = _answer(client, headers, "hard_moment", C1=10)
    assert response.status_code == 201 and response.json()["crisis"] is True
    assert session.exec(select(StaffAlert)).all() == []
    posted: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: posted.append(r) or httpx.Response(200))
    with httpx.Client(transport=transport) as http:
        assert webhook.deliver_alerts(session=session, client=http, now=utcnow()) == 0
    assert posted == []


def test_who_joins_after_the_change_has_it(client, session, settings):
    _joined_before_alerts_and_the_opioid_item(client, session, settings)
    headers, _ = make_participant(client, session, settings)
    assert client.get("/api/v1/me", headers=headers).json()["staff_alerts"] is True
    assert client.get("/api/v1/help", headers=headers).json()["staff_alerts"] is True
    assert "E8" in _diary_items(client, headers)
    assert _answer(client, headers, "hard_moment", C1=10).status_code == 201
    assert session.exec(select(StaffAlert)).one().items == ["C1"]


def test_turning_alerts_off_after_she_agreed_applies_at_once(client, session, settings):
    make_study(session)
    _put_protocol(client, session, **WATCHED)
    headers, _ = make_participant(client, session, settings)
    _put_protocol(client, session, staff_alerts=False, sensitive_use_item=False)
    assert client.get("/api/v1/me", headers=headers).json()["staff_alerts"] is False
    assert client.get("/api/v1/help", headers=headers).json()["staff_alerts"] is False
    assert "E8" not in _diary_items(client, headers)
    assert _answer(client, headers, "hard_moment", C1=10).status_code == 201
    assert session.exec(select(StaffAlert)).all() == []
