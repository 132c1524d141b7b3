"""Prompts planned in her own day, kept in step with her settings, with every timestamp kept."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from savor.clock import utcnow
from savor.ema import service as ema_service
from tests.factories import first_checkin, make_participant, prompts_of


def test_enrolling_plans_her_day_inside_her_waking_hours(client, session, settings):
    headers, participant = make_participant(client, session, settings, timezone="Asia/Kathmandu")
    upcoming = client.get("/api/v1/prompts/upcoming", headers=headers).json()
    tomorrow = [p for p in upcoming if p["local_date"] != upcoming[0]["local_date"]] or upcoming
    assert {p["schedule_id"] for p in tomorrow} == {"random_checkin", "daily_diary"}
    zone = ZoneInfo("Asia/Kathmandu")
    for prompt in upcoming:
        local = datetime.fromisoformat(prompt["scheduled_at"]).astimezone(zone).time()
        assert participant.wake_time <= local <= participant.sleep_time
        assert prompt["status"] == "scheduled"


def test_planning_again_changes_nothing(client, session, settings):
    _, participant = make_participant(client, session, settings)
    before = [(p.id, p.scheduled_at) for p in prompts_of(session, participant)]
    assert ema_service.plan_for(session=session, participant=participant, now=utcnow()) == 0
    assert [(p.id, p.scheduled_at) for p in prompts_of(session, participant)] == before


def test_new_waking_hours_move_only_future_waiting_prompts(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompts = prompts_of(session, participant)
    sent = prompts[0]
    sent.status, sent.sent_at = "sent", utcnow()
    session.add(sent)
    session.commit()
    response = client.patch(
        "/api/v1/me", headers=headers, json={"wake_time": "10:00", "sleep_time": "23:30"}
    )
    assert response.status_code == 200
    after = {p.id: p for p in prompts_of(session, participant)}
    assert after[sent.id].scheduled_at == sent.scheduled_at
    assert after[sent.id].status == "sent"
    zone = ZoneInfo(participant.timezone)
    live = [p for p in after.values() if p.status == "scheduled"]
    assert live
    for prompt in live:
        assert prompt.scheduled_at.astimezone(zone).time() >= participant.wake_time.replace(hour=10)


def test_moving_to_another_zone_replans_in_the_new_zone(client, session, settings):
    headers, participant = make_participant(client, session, settings, timezone="America/Chicago")
    client.patch("/api/v1/me", headers=headers, json={"timezone": "Europe/Madrid"})
    zone = ZoneInfo("Europe/Madrid")
    for prompt in prompts_of(session, participant):
        if prompt.status == "scheduled":
            local = prompt.scheduled_at.astimezone(zone).time()
            assert participant.wake_time <= local <= participant.sleep_time


def test_withdrawing_cancels_what_is_still_to_come(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    client.post("/api/v1/me/withdraw", headers=headers)
    assert {p.status for p in prompts_of(session, participant)} == {"cancelled"}
    assert ema_service.plan_for(session=session, participant=participant, now=utcnow()) == 0


def test_a_due_prompt_is_open_with_items_in_her_language(client, session, settings):
    headers, participant = make_participant(client, session, settings, language="es")
    prompt = first_checkin(session, participant)
    prompt.scheduled_at = utcnow() - timedelta(minutes=1)
    session.add(prompt)
    session.commit()
    open_now = client.get("/api/v1/prompts", headers=headers).json()
    assert [p["id"] for p in open_now] == [str(prompt.id)]
    first_item = open_now[0]["instrument"]["items"][0]
    assert first_item["text"].startswith("¿")
    assert first_item["min_label"]


def test_two_prompts_due_at_one_minute_are_listed_in_the_plans_order_at_every_read(
    client, session, settings
):
    headers, participant = make_participant(client, session, settings)
    checkin = first_checkin(session, participant)
    diary = next(p for p in prompts_of(session, participant) if p.kind == "end_of_day")
    due = utcnow().replace(microsecond=0) - timedelta(minutes=1)
    for prompt in (checkin, diary):
        prompt.scheduled_at = due
        session.add(prompt)
    session.commit()
    reads = [
        [p["id"] for p in client.get("/api/v1/prompts", headers=headers).json()] for _ in range(3)
    ]
    # The plan orders a minute's prompts by schedule: daily_diary before random_checkin.
    assert reads == [[str(diary.id), str(checkin.id)]] * 3


def test_opening_records_the_first_time_only(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = prompts_of(session, participant)[0]
    first = client.post(f"/api/v1/prompts/{prompt.id}/opened", headers=headers).json()
    second = client.post(f"/api/v1/prompts/{prompt.id}/opened", headers=headers).json()
    assert first["status"] == "opened"
    assert first["opened_at"] == second["opened_at"]


def test_another_mothers_prompt_is_not_found(client, session, settings):
    _, first = make_participant(client, session, settings)
    other_headers, _ = make_participant(client, session, settings)
    prompt = prompts_of(session, first)[0]
    response = client.post(f"/api/v1/prompts/{prompt.id}/opened", headers=other_headers)
    assert response.status_code == 404


def test_instrument_hides_items_for_another_stage_and_off_features(client, session, settings):
    headers, _ = make_participant(client, session, settings, stage="postpartum")
    momentary = client.get("/api/v1/instruments/momentary", headers=headers).json()
    ids = [i["id"] for i in momentary["items"]]
    assert "B1" in ids and "B1p" not in ids
    diary = client.get("/api/v1/instruments/end_of_day", headers=headers).json()
    assert not {"E7", "E8"} & {i["id"] for i in diary["items"]}


def test_help_lists_the_studys_crisis_resources(client, session, settings):
    headers, _ = make_participant(client, session, settings, language="es")
    body = client.get("/api/v1/help", headers=headers).json()
    assert body["resources"][0]["phone"] == "988"
    assert "estudio" in body["contact"]
    assert body["staff_alerts"] is False
