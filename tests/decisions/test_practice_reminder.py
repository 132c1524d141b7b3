"""Her daily practice reminder: a time she sets in the app, kept on her wall clock in her zone,
and a decision point of the trial's practice_reminder rule, decided as a probe is."""

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from savor.clock import utcnow
from savor.ema.decisions import probe_decide, probes
from savor.ema.models import Prompt
from savor.studies.protocol import parse_protocol
from tests.decisions.conftest import awake, decisions_of, run_trial
from tests.decisions.protocols import REMINDER, with_decisions
from tests.factories import make_participant

SETTINGS = parse_protocol(with_decisions(REMINDER)).decisions
CHICAGO = "America/Chicago"


def _reminders(day: date, reminder: time | None) -> list:
    return list(
        probes.plan_probes(
            SETTINGS,
            local_date=day,
            tz=CHICAGO,
            wake=time(7),
            sleep=time(22),
            seed=b"\x01" * 32,
            reminder=reminder,
        )
    )


def test_no_reminder_time_no_decision_point():
    assert _reminders(date(2026, 5, 4), None) == []


def test_her_reminder_stays_at_her_wall_clock_time_across_a_dst_change():
    for day in (date(2026, 3, 7), date(2026, 3, 8), date(2026, 11, 1)):
        [planned] = _reminders(day, time(20, 15))
        local = planned.scheduled_at.astimezone(ZoneInfo(CHICAGO))
        assert (local.date(), local.time()) == (day, time(20, 15))
        assert planned.expires_at - planned.scheduled_at == timedelta(minutes=30)
    [in_the_gap] = _reminders(date(2026, 3, 8), time(2, 30))  # clocks jump 02:00 -> 03:00
    assert in_the_gap.scheduled_at.astimezone(ZoneInfo(CHICAGO)).time() == time(3, 30)


def _her_reminders(session: Session, her_id) -> list[Prompt]:
    session.expire_all()
    return list(
        session.exec(
            select(Prompt)
            .where(Prompt.participant_id == her_id)
            .where(col(Prompt.schedule_id) == probes.schedule_id("evening"))
            .order_by(col(Prompt.scheduled_at))
        )
    )


def test_setting_her_reminder_in_the_app_plans_it_and_clearing_it_cancels_it(
    client, session, settings
):
    study = run_trial(session, REMINDER)
    headers, her = make_participant(client, session, settings, study=study)
    assert _her_reminders(session, her.id) == []
    changed = client.patch("/api/v1/me", headers=headers, json={"practice_reminder_time": "21:40"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["practice_reminder_time"] == "21:40:00"
    planned = [p for p in _her_reminders(session, her.id) if p.status == "scheduled"]
    assert planned and all(
        p.scheduled_at.astimezone(ZoneInfo(her.timezone)).time() == time(21, 40) for p in planned
    )
    cleared = client.patch("/api/v1/me", headers=headers, json={"practice_reminder_time": None})
    assert cleared.json()["practice_reminder_time"] is None
    waiting = [p for p in _her_reminders(session, her.id) if p.scheduled_at > utcnow()]
    assert {p.status for p in waiting} == {"cancelled"}


def test_her_reminder_is_decided_as_a_decision_point_of_its_rule(client, session, settings):
    study = run_trial(session, REMINDER)
    headers, her = make_participant(client, session, settings, study=study)
    awake(client, headers)
    in_an_hour = utcnow().astimezone(ZoneInfo(CHICAGO)) + timedelta(hours=1)
    body = {"practice_reminder_time": f"{in_an_hour:%H:%M}"}
    assert client.patch("/api/v1/me", headers=headers, json=body).status_code == 200
    reminder = _her_reminders(session, her.id)[0]
    now = utcnow()
    reminder.scheduled_at, reminder.expires_at = now, now + timedelta(minutes=30)
    session.add(reminder)
    session.commit()
    assert probe_decide.decide_due(session=session, now=now) == 1
    [decision] = decisions_of(session)
    assert (decision.kind, decision.rule, decision.point) == (
        "reminder",
        "evening",
        probes.point(reminder.id),
    )
    assert decision.available and decision.follow_up_prompt_id is not None
