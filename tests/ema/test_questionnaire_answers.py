"""A questionnaire answered through POST /api/v1/responses: scored once, on the server."""

import uuid
from datetime import timedelta

from sqlmodel import select, update

from savor.clock import utcnow
from savor.ema.alerts import StaffAlert
from savor.ema.models import Prompt, QuestionnaireScore
from savor.studies import service as studies_service
from tests.ema.test_waves import plan, waves_protocol
from tests.factories import make_participant


def phq9_body(values: dict[int, int], declined: tuple[int, ...] = (), **extra) -> dict:
    answers = [
        {"item_id": f"phq9_{n}", "value": v, "declined": False} for n, v in values.items()
    ] + [{"item_id": f"phq9_{n}", "value": None, "declined": True} for n in declined]
    return {
        "client_id": str(uuid.uuid4()),
        "instrument_id": "phq9",
        "instrument_version": "1",
        "started_at": (utcnow() - timedelta(minutes=9)).isoformat(),
        "submitted_at": (utcnow() - timedelta(minutes=1)).isoformat(),
        "answers": answers,
    } | extra


def scores(session) -> dict[str, tuple]:
    session.expire_all()
    rows = session.exec(select(QuestionnaireScore).order_by(QuestionnaireScore.position))
    return {r.scale_id: (r.score, r.band, r.prorated, r.scoring_version) for r in rows}


def post(client, headers, body):
    return client.post("/api/v1/responses", headers=headers, json=body)


def test_a_phq9_is_scored_when_it_is_stored(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    values = {1: 2, 2: 2, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 0}

    assert post(client, headers, phq9_body(values)).status_code == 201

    assert scores(session) == {
        "total": (10, "moderate", False, 1),
        "phq2": (4, "positive", False, 1),
    }


def test_a_submission_sent_twice_is_scored_once(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    body = phq9_body({n: 1 for n in range(1, 9)}, declined=(9,))

    first, again = post(client, headers, body), post(client, headers, body)

    assert (first.status_code, again.status_code) == (201, 200)
    assert len(session.exec(select(QuestionnaireScore)).all()) == 2
    assert scores(session)["total"] == (9, "mild", True, 1)


def test_item_9_above_zero_offers_crisis_help_and_alerts_staff_when_on(client, session, settings):
    source = waves_protocol().replace("staff_alerts: false", "staff_alerts: true")
    studies_service.apply_protocol(session=session, source=source, now=utcnow())
    headers, _ = make_participant(client, session, settings)

    body = post(client, headers, phq9_body({n: 0 for n in range(1, 9)} | {9: 1})).json()

    assert body["crisis"] is True
    assert [o["rule"] for o in body["offers"]] == ["crisis_help"]
    assert session.exec(select(StaffAlert)).one().items == ["phq9_9"]


def test_item_9_raises_no_alert_when_the_study_keeps_alerts_off(client, session, settings):
    headers, _ = make_participant(client, session, settings)

    body = post(client, headers, phq9_body({9: 2})).json()

    assert body["crisis"] is True
    assert session.exec(select(StaffAlert)).all() == []


def test_answering_an_open_wave_completes_it(client, session, settings):
    studies_service.apply_protocol(session=session, source=waves_protocol(), now=utcnow())
    headers, _ = make_participant(client, session, settings)
    plan(session, utcnow())
    wave = session.exec(select(Prompt).where(Prompt.schedule_id == "baseline")).one()

    response = post(
        client, headers, phq9_body({n: 0 for n in range(1, 10)}, prompt_id=str(wave.id))
    )

    assert response.status_code == 201
    session.refresh(wave)
    assert wave.status == "completed"
    assert scores(session)["total"] == (0, "minimal", False, 1)


def test_open_waves_are_listed_with_their_closing_time(client, session, settings):
    studies_service.apply_protocol(session=session, source=waves_protocol(), now=utcnow())
    headers, _ = make_participant(client, session, settings)
    plan(session, utcnow())
    # Its time of day on her clock may still be ahead as this runs: it has come.
    session.execute(
        update(Prompt).where(Prompt.kind == "wave").values(scheduled_at=utcnow() - timedelta(1))
    )
    session.commit()

    listed = client.get("/api/v1/prompts", headers=headers).json()
    wave = next(p for p in listed if p["kind"] == "wave")

    assert wave["schedule_id"] == "baseline"
    assert wave["expires_at"]
    assert wave["instrument"]["kind"] == "questionnaire"
    assert "code name" in wave["instrument"]["intro"]
