"""Check-ins that are decision points: decided, stored before the offer, followed up."""

from datetime import timedelta

from sqlmodel import select

from savor.clock import utcnow
from savor.ema.decisions import draw
from savor.ema.decisions.follow_up import SCHEDULE_ID
from savor.ema.models import Offer, Prompt
from savor.studies.models import Study
from tests.decisions.conftest import (
    awake,
    check_in,
    decisions_of,
    practice_offers,
    run_trial,
    sleeps,
)
from tests.factories import make_participant


def test_a_high_rating_is_a_decision_point_stored_with_its_draw(client, session, settings, trial):
    headers, her = make_participant(client, session, settings, study=trial)
    reply = check_in(client, headers, C1=7, S1=3)
    [decision] = decisions_of(session)
    assert (decision.rule, decision.kind, decision.rating) == ("high_rating", "checkin", 7)
    assert decision.stratum == "moderate" and decision.available
    assert decision.probabilities == {"breathing": 0.3, "savoring": 0.2, "none": 0.5}
    expected_u = draw.uniform(
        study_secret=trial.secret, participant_id=her.id, point=decision.point
    )
    assert decision.draw == expected_u
    assert decision.option == draw.choose(decision.probabilities, expected_u)
    offered = [o["practice_id"] for o in practice_offers(reply)]
    assert offered == ([decision.practice_id] if decision.practice_id else [])
    assert decision.response_id is not None and str(decision.response_id) == reply["id"]


def test_the_stratum_follows_the_highest_rating(client, session, settings, trial):
    headers, _ = make_participant(client, session, settings, study=trial)
    check_in(client, headers, C1=2, S1=8)
    [decision] = decisions_of(session)
    assert (decision.stratum, decision.rating) == ("high", 8)
    assert decision.probabilities == {"breathing": 0.4, "savoring": 0.2, "none": 0.4}


def test_a_low_rating_is_no_decision_point_and_no_offer(client, session, settings, trial):
    headers, _ = make_participant(client, session, settings, study=trial)
    reply = check_in(client, headers, C1=3, S1=6)
    assert decisions_of(session) == [] and reply["offers"] == []


def test_a_check_in_sent_twice_is_one_decision_point(client, session, settings, trial):
    headers, _ = make_participant(client, session, settings, study=trial)
    sent = utcnow()
    first = check_in(client, headers, C1=7, sent=sent)
    again = check_in(client, headers, C1=7, sent=sent, client_id=first["client_id"])
    assert again == first
    assert len(decisions_of(session)) == 1


def test_every_randomized_point_gets_a_follow_up_in_its_window(client, session, settings, trial):
    headers, _ = make_participant(client, session, settings, study=trial)
    awake(client, headers)
    check_in(client, headers, C1=7)
    [decision] = decisions_of(session)
    prompt = session.get(Prompt, decision.follow_up_prompt_id)
    assert prompt is not None and prompt.schedule_id == SCHEDULE_ID
    assert (prompt.kind, prompt.instrument_id, prompt.status) == (
        "follow_up",
        "momentary",
        "scheduled",
    )
    assert prompt.scheduled_at == decision.decided_at + timedelta(minutes=30)
    assert prompt.expires_at == decision.decided_at + timedelta(minutes=120)
    assert (decision.window_start, decision.window_end) == (prompt.scheduled_at, prompt.expires_at)


def test_a_window_she_sleeps_through_has_no_follow_up(client, session, settings, trial):
    headers, _ = make_participant(client, session, settings, study=trial)
    # Asleep from 10 minutes from now until 5 hours ago tomorrow: the window (30-120 min) is
    # wholly in her sleep.
    sleeps(client, headers, wake_in=timedelta(hours=-5), sleep_in=timedelta(minutes=10))
    check_in(client, headers, C1=7)
    [decision] = decisions_of(session)
    assert decision.draw is not None and decision.follow_up_prompt_id is None
    follow_ups = session.exec(select(Prompt).where(Prompt.schedule_id == SCHEDULE_ID)).all()
    assert follow_ups == []


def test_a_window_that_opens_while_she_sleeps_is_followed_up_when_she_wakes(
    client, session, settings, trial
):
    headers, _ = make_participant(client, session, settings, study=trial)
    # Asleep since 4 hours ago, awake in an hour: inside the window (30-120 min).
    wake = sleeps(client, headers, wake_in=timedelta(hours=1), sleep_in=timedelta(hours=-4))
    check_in(client, headers, C1=7)
    [decision] = decisions_of(session)
    prompt = session.get(Prompt, decision.follow_up_prompt_id)
    assert prompt is not None
    assert prompt.scheduled_at == wake
    assert prompt.expires_at == decision.window_end == decision.decided_at + timedelta(minutes=120)


def test_new_waking_hours_move_her_follow_up_to_when_she_wakes(client, session, settings, trial):
    headers, _ = make_participant(client, session, settings, study=trial)
    awake(client, headers)
    check_in(client, headers, C1=7)
    [decision] = decisions_of(session)
    # As after a move west: the follow-up's time (in 30 minutes) is now in her sleep, and she
    # wakes an hour from now, still inside the window (30-120 min).
    wake = sleeps(client, headers, wake_in=timedelta(hours=1), sleep_in=timedelta(hours=-4))
    session.expire_all()
    prompt = session.get(Prompt, decision.follow_up_prompt_id)
    assert (prompt.status, prompt.scheduled_at) == ("scheduled", wake)


def test_new_waking_hours_that_sleep_through_the_window_cancel_her_follow_up(
    client, session, settings, trial
):
    headers, _ = make_participant(client, session, settings, study=trial)
    awake(client, headers)
    check_in(client, headers, C1=7)
    [decision] = decisions_of(session)
    sleeps(client, headers, wake_in=timedelta(hours=-5), sleep_in=timedelta(minutes=10))
    session.expire_all()
    assert session.get(Prompt, decision.follow_up_prompt_id).status == "cancelled"


def test_both_arms_are_followed_up(client, session, settings):
    study = run_trial(session, _even_odds(min_minutes_between_offers=0, max_offers_per_day=24))
    headers, _ = make_participant(client, session, settings, study=study)
    awake(client, headers)
    for _ in range(12):
        check_in(client, headers, C1=7)
    decisions = decisions_of(session)
    arms = {d.practice_id is not None for d in decisions}
    assert arms == {True, False}, "12 fair draws gave only one arm"
    for decision in decisions:
        assert decision.available and decision.follow_up_prompt_id is not None
        assert session.get(Prompt, decision.follow_up_prompt_id) is not None


def test_a_crisis_is_never_randomized_away(client, session, settings, trial):
    headers, _ = make_participant(client, session, settings, study=trial)
    reply = check_in(client, headers, C1=9)
    [decision] = decisions_of(session)
    assert not decision.available and decision.unavailable_reason == "crisis"
    assert (decision.draw, decision.option, decision.practice_id) == (None, None, None)
    assert [o["rule"] for o in reply["offers"]] == ["crisis_help"]
    assert reply["crisis"] is True


def test_no_offer_is_randomized_while_crisis_help_is_showing(client, session, settings, trial):
    headers, _ = make_participant(client, session, settings, study=trial)
    check_in(client, headers, "hard_moment", C1=9)
    reply = check_in(client, headers, C1=7)
    later = decisions_of(session)[-1]
    assert later.unavailable_reason == "crisis_screen"
    assert practice_offers(reply) == []


def _even_odds(**availability: int) -> str:
    from tests.decisions.protocols import DECISIONS

    block = DECISIONS.replace(
        "{breathing: 0.3, savoring: 0.2, none: 0.5}", "{breathing: 0.5, savoring: 0, none: 0.5}"
    )
    for name, value in availability.items():
        line = next(line for line in block.splitlines() if line.strip().startswith(name + ":"))
        block = block.replace(line, f"    {name}: {value}")
    return block


def _always_offer() -> str:
    from tests.decisions.protocols import DECISIONS

    return DECISIONS.replace(
        "{breathing: 0.3, savoring: 0.2, none: 0.5}",
        "{breathing: 0.999999, savoring: 0, none: 0.000001}",
    )


def test_no_offer_within_the_gap_after_the_last_one(client, session, settings):
    study = run_trial(session, _always_offer())
    headers, _ = make_participant(client, session, settings, study=study)
    assert practice_offers(check_in(client, headers, C1=7))
    assert practice_offers(check_in(client, headers, C1=7)) == []
    assert [d.unavailable_reason for d in decisions_of(session)] == [None, "recent_offer"]


def test_at_most_k_offers_a_day(client, session, settings):
    block = _always_offer().replace(
        "min_minutes_between_offers: 60", "min_minutes_between_offers: 0"
    )
    study = run_trial(session, block)
    headers, _ = make_participant(client, session, settings, study=study)
    for _ in range(4):
        check_in(client, headers, C1=7)
    reasons = [d.unavailable_reason for d in decisions_of(session)]
    assert reasons == [None, None, None, "daily_limit"]


def test_no_offer_while_she_is_practising(client, session, settings, trial):
    headers, _ = make_participant(client, session, settings, study=trial)
    check_in(client, headers, "pre_practice", C1=2)
    reply = check_in(client, headers, C1=8)
    assert [d.unavailable_reason for d in decisions_of(session)] == ["practising"]
    assert practice_offers(reply) == []
    check_in(client, headers, "post_practice", C1=2)
    check_in(client, headers, C1=8)
    assert decisions_of(session)[-1].available


def test_a_check_in_that_arrives_late_is_no_moment_for_an_offer(client, session, settings, trial):
    headers, _ = make_participant(client, session, settings, study=trial)
    check_in(client, headers, C1=7, sent=utcnow() - timedelta(minutes=40))
    [decision] = decisions_of(session)
    assert decision.unavailable_reason == "late" and decision.follow_up_prompt_id is None


def test_after_withdrawal_there_are_no_decision_points(client, session, settings, trial):
    headers, _ = make_participant(client, session, settings, study=trial)
    assert client.post("/api/v1/me/withdraw", headers=headers).is_success
    body = {
        "client_id": "00000000-0000-4000-8000-000000000001",
        "instrument_id": "momentary",
        "instrument_version": "1",
        "submitted_at": utcnow().isoformat(),
        "answers": [{"item_id": "C1", "value": 8}],
    }
    assert client.post("/api/v1/responses", headers=headers, json=body).status_code in (401, 403)
    assert decisions_of(session) == []


def test_the_offer_is_stored_with_the_decision(client, session, settings):
    study: Study = run_trial(session, _always_offer())
    headers, _ = make_participant(client, session, settings, study=study)
    reply = check_in(client, headers, C1=7)
    [decision] = decisions_of(session)
    [offer] = session.exec(select(Offer)).all()
    assert (offer.rule, offer.practice_id) == ("mrt_high_rating", decision.practice_id)
    assert offer.response_id == decision.response_id
    assert practice_offers(reply)[0]["id"] == str(offer.id)


def test_planning_her_days_again_leaves_the_follow_up_alone(client, session, settings, trial):
    from savor.ema import planning
    from savor.studies import service as studies_service

    headers, her = make_participant(client, session, settings, study=trial)
    awake(client, headers)
    check_in(client, headers, C1=7)
    [decision] = decisions_of(session)
    document = studies_service.protocol_document(session=session, study=trial)
    planning.plan_participant(
        session=session, participant=her, study=trial, document=document, now=utcnow()
    )
    session.expire_all()
    assert session.get(Prompt, decision.follow_up_prompt_id).status == "scheduled"


def test_leaving_the_study_cancels_her_follow_up(client, session, settings, trial):
    headers, _ = make_participant(client, session, settings, study=trial)
    awake(client, headers)
    check_in(client, headers, C1=7)
    [decision] = decisions_of(session)
    assert client.post("/api/v1/me/withdraw", headers=headers).is_success
    session.expire_all()
    assert session.get(Prompt, decision.follow_up_prompt_id).status == "cancelled"


def test_a_hard_moment_still_gets_its_breathing_break(client, session, settings, trial):
    headers, _ = make_participant(client, session, settings, study=trial)
    reply = check_in(client, headers, "hard_moment", C1=7)
    assert [(o["rule"], o["practice_id"]) for o in reply["offers"]] == [("offer_breathing", "P03")]
    assert decisions_of(session) == []
