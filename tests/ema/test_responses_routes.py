"""POST /api/v1/responses: stored once, checked against its version, late kept, offers made."""

import threading
import uuid
from datetime import timedelta

from sqlmodel import select

from savor.clock import utcnow
from savor.ema.alerts import StaffAlert
from savor.ema.models import (
    InstrumentVersion,
    Offer,
    Prompt,
    Response,
    ResponseItem,
)
from savor.studies import service as studies_service
from savor.studies.service import default_protocol_source
from tests.factories import first_checkin, make_participant, prompts_of


def _answers(**values) -> list[dict]:
    return [{"item_id": k, "value": v, "declined": False} for k, v in values.items()]


def _body(instrument="hard_moment", prompt_id=None, answers=None, **extra) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "prompt_id": prompt_id,
        "instrument_id": instrument,
        "instrument_version": "1",
        "started_at": (utcnow() - timedelta(minutes=2)).isoformat(),
        "submitted_at": (utcnow() - timedelta(minutes=1)).isoformat(),
        "answers": answers if answers is not None else _answers(C1=3, CTRL=6, S1=4),
    } | extra


def _post(client, headers, body):
    return client.post("/api/v1/responses", headers=headers, json=body)


def test_self_initiated_report_is_stored_with_one_row_per_answer(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    response = _post(client, headers, _body())
    assert response.status_code == 201
    assert response.json()["late"] is False
    stored = session.exec(select(Response)).one()
    assert (stored.kind, stored.prompt_id, stored.instrument_version) == ("self", None, "1")
    items = session.exec(select(ResponseItem).order_by(ResponseItem.position)).all()
    assert [(i.item_id, i.value) for i in items] == [("C1", 3), ("CTRL", 6), ("S1", 4)]


def test_replay_returns_the_same_record_and_stores_it_once(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    body = _body()
    first, second = _post(client, headers, body), _post(client, headers, body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert len(session.exec(select(Response)).all()) == 1
    assert len(session.exec(select(ResponseItem)).all()) == 3


def test_same_client_id_with_other_answers_is_a_conflict(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    body = _body()
    _post(client, headers, body)
    changed = body | {"answers": _answers(C1=8)}
    assert _post(client, headers, changed).json()["error"]["code"] == "client_id_reused"


def test_each_wrong_item_is_named(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    answers = _answers(C1=11, CTRL="lots", ZZ=1)
    response = _post(client, headers, _body(answers=answers))
    assert response.status_code == 422
    fields = [f["field"] for f in response.json()["error"]["fields"]]
    assert fields == ["answers.C1", "answers.CTRL", "answers.ZZ"]
    assert session.exec(select(Response)).all() == []


def test_prefer_not_to_answer_is_recorded_as_declined(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    answers = [{"item_id": "C1", "value": None, "declined": True}]
    assert _post(client, headers, _body(answers=answers)).status_code == 201
    item = session.exec(select(ResponseItem)).one()
    assert (item.value, item.declined) == (None, True)


def test_unknown_instrument_version_is_refused(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    response = _post(client, headers, _body(instrument_version="7"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_instrument_version"


def test_answers_to_an_earlier_version_are_checked_against_that_version(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    session.add(
        InstrumentVersion(
            instrument_id="hard_moment",
            version="0",
            fingerprint="000000000000",
            definition={
                "id": "hard_moment",
                "version": 1,
                "title": {"en": "Old", "es": "Viejo"},
                "items": [
                    {
                        "id": "OLD1",
                        "type": "yes_no",
                        "text": {"en": "Old question?", "es": "¿Pregunta vieja?"},
                    }
                ],
            },
        )
    )
    session.commit()
    old = _body(instrument_version="0", answers=_answers(OLD1=True))
    assert _post(client, headers, old).status_code == 201
    wrong = _body(instrument_version="0", answers=_answers(C1=3))
    assert _post(client, headers, wrong).status_code == 422


def test_answering_a_prompt_completes_it(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = first_checkin(session, participant)
    prompt.scheduled_at, prompt.expires_at = (
        utcnow() - timedelta(minutes=5),
        utcnow() + timedelta(minutes=30),
    )
    session.add(prompt)
    session.commit()
    body = _body(
        instrument=prompt.instrument_id, prompt_id=str(prompt.id), answers=_answers(S1=2, C1=1)
    )
    response = _post(client, headers, body)
    assert response.status_code == 201, response.text
    session.expire_all()
    prompt = session.get(Prompt, prompt.id)
    assert (prompt.status, prompt.answered_late) == ("completed", False)
    assert session.exec(select(Response)).one().kind == prompt.kind


def test_a_late_answer_is_kept_and_flagged(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = first_checkin(session, participant)
    prompt.scheduled_at = utcnow() - timedelta(hours=3)
    prompt.expires_at, prompt.status = utcnow() - timedelta(hours=2), "expired"
    session.add(prompt)
    session.commit()
    body = _body(instrument=prompt.instrument_id, prompt_id=str(prompt.id), answers=_answers(S1=5))
    response = _post(client, headers, body)
    assert response.status_code == 201
    assert response.json()["late"] is True
    session.expire_all()
    assert session.get(Prompt, prompt.id).answered_late is True


def test_a_prompt_answered_twice_is_refused_the_second_time(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = first_checkin(session, participant)
    body = _body(
        instrument=prompt.instrument_id,
        prompt_id=str(prompt.id),
        answers=_answers(S1=2),
        submitted_at=utcnow().isoformat(),
    )
    prompt.scheduled_at = utcnow() - timedelta(minutes=1)
    session.add(prompt)
    session.commit()
    assert _post(client, headers, body).status_code == 201
    again = _post(client, headers, body | {"client_id": str(uuid.uuid4())})
    assert again.json()["error"]["code"] == "prompt_already_answered"


def test_wrong_instrument_for_the_prompt_is_refused(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = prompts_of(session, participant)[0]
    response = _post(client, headers, _body(prompt_id=str(prompt.id)))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "wrong_instrument"


def test_high_craving_offers_the_breathing_break(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    body = _post(client, headers, _body(answers=_answers(C1=7))).json()
    assert [(o["rule"], o["practice_id"]) for o in body["offers"]] == [("offer_breathing", "P03")]
    assert body["crisis"] is False
    offer_id = body["offers"][0]["id"]
    decided = client.post(
        f"/api/v1/offers/{offer_id}", headers=headers, json={"outcome": "accepted"}
    )
    assert decided.json()["outcome"] == "accepted"
    assert session.exec(select(Offer)).one().decided_at is not None


def test_a_withdrawn_mother_can_no_longer_decide_an_offer(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    offer_id = _post(client, headers, _body(answers=_answers(C1=7))).json()["offers"][0]["id"]
    client.post("/api/v1/me/withdraw", headers=headers)

    decided = client.post(
        f"/api/v1/offers/{offer_id}", headers=headers, json={"outcome": "accepted"}
    )

    assert decided.status_code == 403
    assert decided.json()["error"]["code"] == "withdrawn"
    stored = session.exec(select(Offer)).one()
    assert (stored.outcome, stored.decided_at) == ("offered", None)


def test_very_high_craving_shows_crisis_help_without_alerting_staff_by_default(
    client, session, settings
):
    headers, _ = make_participant(client, session, settings)
    body = _post(client, headers, _body(answers=_answers(C1=10))).json()
    assert body["crisis"] is True
    assert {o["rule"] for o in body["offers"]} == {"offer_breathing", "crisis_help"}
    assert session.exec(select(StaffAlert)).all() == []


def test_staff_alert_when_she_joined_a_study_that_turns_it_on(client, session, settings):
    source = (
        default_protocol_source()
        .replace("study: demo", "study: pilot")
        .replace("staff_alerts: false", "staff_alerts: true")
    )
    studies_service.apply_protocol(session=session, source=source, now=utcnow())
    headers, _ = make_participant(client, session, settings)
    _post(client, headers, _body(answers=_answers(S1=9)))
    alert = session.exec(select(StaffAlert)).one()
    assert alert.items == ["S1"]


def test_future_submission_time_is_refused(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    body = _body(submitted_at=(utcnow() + timedelta(hours=1)).isoformat())
    response = _post(client, headers, body)
    assert response.json()["error"]["fields"][0]["field"] == "submitted_at"


def test_the_same_record_sent_at_once_from_many_threads_is_stored_once(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    body = _body()
    statuses: list[int] = []
    start = threading.Barrier(12)

    def deliver() -> None:
        start.wait()
        statuses.append(_post(client, headers, body).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 11 + [201]
    assert len(session.exec(select(Response)).all()) == 1
    assert len(session.exec(select(ResponseItem)).all()) == 3


def test_a_check_in_sent_again_after_she_decided_an_offer_lists_its_offers_in_the_same_order(
    client, session, settings
):
    headers, _ = make_participant(client, session, settings)
    body = _body(answers=_answers(C1=10))
    first = _post(client, headers, body).json()
    assert len(first["offers"]) == 2
    for offer in first["offers"]:
        decided = {"outcome": "declined"}
        assert client.post(
            f"/api/v1/offers/{offer['id']}", headers=headers, json=decided
        ).is_success
    again = _post(client, headers, body).json()
    assert [o["id"] for o in again["offers"]] == [o["id"] for o in first["offers"]]
