"""Random-time probes: planned inside her waking hours, decided at their time before any push,
available on the same conditions as check-ins, followed up in both arms, exported."""

import json
from datetime import date, datetime, time, timedelta
from itertools import pairwise

import pytest
from sqlmodel import Session, col, select

from savor.clock import utcnow
from savor.ema import planning as ema_planning
from savor.ema.decisions import draw, probe_decide, probes
from savor.ema.decisions.follow_up import SCHEDULE_ID as FOLLOW_UP
from savor.ema.decisions.models import Decision
from savor.ema.models import Prompt
from savor.ema.schedule import waking_window
from savor.notify import dispatch
from savor.notify.models import PushSubscription
from savor.notify.webpush import PushResult
from savor.studies import service as studies_service
from savor.studies.protocol import parse_protocol
from savor.studies.pseudonym import planning_seed
from tests.decisions.conftest import awake, check_in, decisions_of, run_trial
from tests.decisions.protocols import PROBES, PROBES_ALWAYS, with_decisions
from tests.factories import make_participant, make_research_token, practice_body
from tests.research.expected import get, read_csv

SETTINGS = parse_protocol(with_decisions(PROBES)).decisions
SEED = b"\x01" * 32


def _plan(day: date, tz: str, wake: time, sleep: time, seed: bytes = SEED) -> list[datetime]:
    found = probes.plan_probes(SETTINGS, local_date=day, tz=tz, wake=wake, sleep=sleep, seed=seed)
    return [p.scheduled_at for p in found]


@pytest.mark.parametrize("day", [date(2026, 3, 8), date(2026, 11, 1)])  # spring, fall (Chicago)
@pytest.mark.parametrize("wake, sleep", [(time(1, 0), time(23, 0)), (time(7, 0), time(1, 30))])
def test_probe_times_stay_inside_her_waking_hours_across_a_dst_change(day, wake, sleep):
    start, end = waking_window(local_date=day, tz="America/Chicago", wake=wake, sleep=sleep)
    for seed in (SEED, b"\x02" * 32, b"\x03" * 32):
        times = _plan(day, "America/Chicago", wake, sleep, seed)
        assert len(times) == 3
        assert all(start <= t < end for t in times)
        gaps = [later - earlier for earlier, later in pairwise(times)]
        assert all(gap >= timedelta(minutes=90) for gap in gaps)


def test_the_same_seed_plans_the_same_probe_times_and_another_does_not():
    args = (date(2026, 5, 4), "America/Chicago", time(8, 0), time(22, 0))
    assert _plan(*args) == _plan(*args)
    assert _plan(*args) != _plan(*args, seed=b"\x09" * 32)


def _probes_of(session: Session, her_id) -> list[Prompt]:
    session.expire_all()
    return list(
        session.exec(
            select(Prompt)
            .where(Prompt.participant_id == her_id)
            .where(col(Prompt.schedule_id) == probes.schedule_id("day_probe"))
            .order_by(col(Prompt.scheduled_at))
        )
    )


def test_her_probes_are_planned_from_the_study_seed_and_planning_again_keeps_them(
    client, session, settings
):
    study = run_trial(session, PROBES)
    headers, her = make_participant(client, session, settings, study=study)
    planned = [(p.id, p.scheduled_at, p.kind) for p in _probes_of(session, her.id)]
    assert planned and {kind for *_, kind in planned} == {"probe"}
    seed = planning_seed(study_secret=study.secret, participant_id=her.id)
    for prompt in _probes_of(session, her.id):
        expected = _plan(prompt.local_date, her.timezone, her.wake_time, her.sleep_time, seed)
        assert prompt.scheduled_at == expected[prompt.slot]
    her.plan_key = None  # as after a change of her hours: everything checked again
    session.add(her)
    session.commit()
    document = studies_service.protocol_document(session=session, study=study)
    ema_planning.plan_participant(
        session=session, participant=her, study=study, document=document, now=utcnow()
    )
    assert [(p.id, p.scheduled_at, p.kind) for p in _probes_of(session, her.id)] == planned
    upcoming = client.get("/api/v1/prompts/upcoming", headers=headers).json()
    assert all(p["kind"] not in probes.HIDDEN_KINDS for p in upcoming)


def _due_now(session: Session, her_id, at: datetime) -> Prompt:
    """Her first probe still to come (not one cancelled when her days were planned again),
    moved to `at`."""
    probe = next(p for p in _probes_of(session, her_id) if p.status == "scheduled")
    probe.scheduled_at, probe.expires_at = at, at + timedelta(minutes=45)
    session.add(probe)
    session.commit()
    return probe


def _sender(engine, pushed: list):
    def send(subscription, payload) -> PushResult:
        with Session(engine) as other:  # what any other reader sees at the moment of the push
            stored = other.exec(select(Decision)).all()
        pushed.append((payload, stored))
        return PushResult("sent", 201, "created")

    return send


def test_the_decision_is_stored_before_its_offer_is_pushed_in_neutral_words(
    client, session, settings, engine
):
    study = run_trial(session, PROBES_ALWAYS)
    _, her = make_participant(client, session, settings, study=study)
    session.add(
        PushSubscription(
            participant_id=her.id, endpoint="https://push.example.org/1", p256dh="x", auth="y"
        )
    )
    session.commit()
    now = utcnow()
    probe = _due_now(session, her.id, now)
    pushed: list = []
    dispatch.dispatch_due(session=session, worker="w", send=_sender(engine, pushed), now=now)
    assert pushed == []  # a probe not yet decided is never pushed
    assert probe_decide.decide_due(session=session, now=now) == 1
    dispatch.dispatch_due(session=session, worker="w", send=_sender(engine, pushed), now=now)
    [(payload, stored)] = pushed
    [decision] = stored
    assert decision.point == probes.point(probe.id) and decision.practice_id == "P03"
    assert decision.decided_at == now and decision.kind == "probe"
    assert payload["type"] == "offer" and payload["url"] == f"/#/offer/{probe.id}"
    assert "P03" not in json.dumps(payload) and "breath" not in json.dumps(payload).lower()
    assert probe_decide.decide_due(session=session, now=now) == 0  # decided once


@pytest.mark.parametrize("u, option", [(0.1, "breathing"), (0.9, "none")])
def test_both_arms_of_a_probe_are_followed_up(client, session, settings, monkeypatch, u, option):
    study = run_trial(session, PROBES)
    headers, her = make_participant(client, session, settings, study=study)
    awake(client, headers)
    monkeypatch.setattr(draw, "uniform", lambda **_: u)
    now = utcnow()
    probe = _due_now(session, her.id, now)
    probe_decide.decide_due(session=session, now=now)
    [decision] = decisions_of(session)
    assert decision.option == option and decision.available
    follow_up = session.get(Prompt, decision.follow_up_prompt_id)
    assert follow_up is not None and follow_up.schedule_id == FOLLOW_UP
    assert follow_up.scheduled_at == now + timedelta(minutes=30)
    assert follow_up.expires_at == now + timedelta(minutes=120)
    session.refresh(probe)
    if option == "none":  # nothing reaches her phone
        assert probe.status == "cancelled"
    else:
        assert (probe.kind, probe.status) == ("offer", "scheduled")


def _decided_reason(session: Session, her_id, at: datetime) -> str | None:
    probe_decide.decide_due(session=session, now=at)
    return decisions_of(session)[-1].unavailable_reason


def test_no_probe_offer_while_she_is_practising(client, session, settings):
    study = run_trial(session, PROBES_ALWAYS)
    headers, her = make_participant(client, session, settings, study=study)
    check_in(client, headers, "pre_practice", C1=2)
    now = utcnow()
    _due_now(session, her.id, now)
    assert _decided_reason(session, her.id, now) == "practising"


def test_no_probe_offer_while_crisis_help_is_showing(client, session, settings):
    study = run_trial(session, PROBES_ALWAYS)
    headers, her = make_participant(client, session, settings, study=study)
    check_in(client, headers, "hard_moment", C1=9)
    now = utcnow()
    _due_now(session, her.id, now)
    assert _decided_reason(session, her.id, now) == "crisis_screen"


def test_no_probe_offer_within_the_gap_after_the_last_one(client, session, settings):
    study = run_trial(session, PROBES_ALWAYS)
    _, her = make_participant(client, session, settings, study=study)
    first, second = _probes_of(session, her.id)[:2]
    now = utcnow()
    for probe, at in ((first, now), (second, now + timedelta(minutes=30))):
        probe.scheduled_at, probe.expires_at = at, at + timedelta(minutes=45)
        session.add(probe)
    session.commit()
    assert _decided_reason(session, her.id, now) is None
    assert _decided_reason(session, her.id, now + timedelta(minutes=30)) == "recent_offer"


def test_a_probe_decided_late_offers_nothing(client, session, settings):
    study = run_trial(session, PROBES_ALWAYS)
    _, her = make_participant(client, session, settings, study=study)
    now = utcnow()
    probe = _due_now(session, her.id, now)
    assert _decided_reason(session, her.id, now + timedelta(minutes=20)) == "late"
    session.refresh(probe)
    assert probe.status == "cancelled"


def test_after_withdrawal_her_probes_are_cancelled_and_never_decided(client, session, settings):
    study = run_trial(session, PROBES_ALWAYS)
    headers, her = make_participant(client, session, settings, study=study)
    assert client.post("/api/v1/me/withdraw", headers=headers).is_success
    assert {p.status for p in _probes_of(session, her.id)} == {"cancelled"}
    assert probe_decide.decide_due(session=session, now=utcnow() + timedelta(days=2)) == 0
    assert decisions_of(session) == []


def test_the_app_learns_the_offered_practice_from_the_server_only(client, session, settings):
    study = run_trial(session, PROBES_ALWAYS)
    headers, her = make_participant(client, session, settings, study=study)
    now = utcnow()
    probe = _due_now(session, her.id, now)
    assert client.get(f"/api/v1/prompts/{probe.id}/offer", headers=headers).status_code == 404
    probe_decide.decide_due(session=session, now=now)
    offer = client.get(f"/api/v1/prompts/{probe.id}/offer", headers=headers).json()
    assert offer["practice_id"] == "P03" and offer["rule"] == "mrt_day_probe"
    assert offer["open"] is True
    other, _ = make_participant(client, session, settings, study=study)
    assert client.get(f"/api/v1/prompts/{probe.id}/offer", headers=other).status_code == 404


def test_a_probe_decision_is_exported_with_its_offer_practice_and_outcome(
    client, session, settings, clock
):
    study = run_trial(session, PROBES_ALWAYS)
    headers, her = make_participant(client, session, settings, study=study)
    awake(client, headers)
    now = utcnow()
    probe = _due_now(session, her.id, now)
    probe_decide.decide_due(session=session, now=now)
    clock(now + timedelta(minutes=2))
    assert client.post(f"/api/v1/prompts/{probe.id}/opened", headers=headers).is_success
    body = practice_body(now + timedelta(minutes=2), practice_id="P03", trigger="rule")
    body |= {"rule": "mrt_day_probe", "practice_version": _version("P03"), "variant": "3min"}
    body |= {"seconds_practiced": 180, "steps_completed": 3}
    clock(now + timedelta(minutes=8))
    assert client.post("/api/v1/practice-sessions", headers=headers, json=body).status_code == 201
    [decision] = decisions_of(session)
    answered = now + timedelta(minutes=45)
    clock(answered)
    check_in(client, headers, C1=2, S1=3, prompt_id=decision.follow_up_prompt_id, sent=answered)
    token = make_research_token(session, study)
    [row] = read_csv(get(client, token, "decisions"))
    assert (row["point_kind"], row["rule"], row["rating"]) == ("probe", "day_probe", "")
    assert (row["available"], row["offered"], row["practice_id"]) == ("true", "true", "P03")
    assert row["offer_outcome"] == "accepted" and row["offer_ref"]
    assert row["practice_started"] == row["practice_completed"] == "true"
    assert row["outcome_source"] == "follow_up"
    assert (row["outcome_C1"], row["outcome_S1"]) == ("2", "3")


def _version(practice_id: str) -> str:
    from savor.practices.shipped import default_catalog

    return default_catalog().practices[practice_id].version


def test_two_processes_deciding_at_once_decide_each_probe_once(client, session, settings, engine):
    import threading

    study = run_trial(session, PROBES)
    for _ in range(3):
        headers, her = make_participant(client, session, settings, study=study)
        awake(client, headers)
        _due_now(session, her.id, utcnow())
    now = utcnow()
    start = threading.Barrier(2)
    counts: list[int] = []

    def worker() -> None:
        with Session(engine) as own:
            start.wait()
            counts.append(probe_decide.decide_due(session=own, now=now))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    decided = decisions_of(session)
    assert sum(counts) == len(decided) == 3
    assert len({d.point for d in decided}) == 3
    follow_ups = session.exec(select(Prompt).where(Prompt.schedule_id == FOLLOW_UP)).all()
    assert len(follow_ups) == sum(d.available for d in decided)
