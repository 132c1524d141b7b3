"""Questionnaire waves: baseline, week 4 and week 8 open in her zone, remind, and close."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, delete, select

from savor.clock import utcnow
from savor.ema import planning as ema_planning
from savor.ema import prompts as ema_prompts
from savor.ema import service as ema_service
from savor.ema import wave_reminders
from savor.ema.models import Prompt
from savor.notify import dispatch
from savor.studies import service as studies_service
from savor.studies.models import Participant, Study
from savor.studies.protocol import ProtocolError, parse_protocol
from tests.factories import make_participant

LA = ZoneInfo("America/Los_Angeles")
# She joins in the afternoon of 20 February 2026 in Los Angeles (PST, UTC-8); clocks go
# forward on 8 March, so week 4 opens in PDT (UTC-7), an hour earlier in UTC.
JOINED = datetime(2026, 2, 20, 14, 30, tzinfo=LA).astimezone(UTC)
WAVES = """
waves:
  - {id: baseline, instrument: phq9, day: 0, open_days: 7, reminder_days: [2, 5]}
  - {id: week4, instrument: phq9, day: 28, open_days: 7, reminder_days: [2, 5]}
  - {id: week8, instrument: phq9, program_week: 9, open_days: 7, reminder_days: [2, 5]}
  - {id: bonding, instrument: pbq, day: 28, audience: postpartum}

features:
"""


def waves_protocol(slug: str = "pilot") -> str:
    return (
        studies_service.default_protocol_source()
        .replace("study: demo", f"study: {slug}")
        .replace("instruments: [", "instruments: [phq9, pbq, ")
        .replace("\nfeatures:\n", WAVES, 1)
    )


def plan(session: Session, now: datetime) -> None:
    study = session.exec(select(Study)).one()
    document = studies_service.protocol_document(session=session, study=study)
    ema_planning.plan_study(session=session, study=study, document=document, now=now)
    wave_reminders.rearm_reminders(session=session, study=study, document=document, now=now)


def waves_of(session: Session, her: Participant) -> dict[str, Prompt]:
    session.expire_all()
    rows = session.exec(
        select(Prompt).where(Prompt.participant_id == her.id).where(Prompt.kind == "wave")
    )
    return {p.schedule_id: p for p in rows}


def local(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment.astimezone(LA)


def on_her_clock(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LA).astimezone(UTC)


def joined_back_then(client, session, settings, **changes) -> tuple[dict[str, str], Participant]:
    """She joined at JOINED in Los Angeles: her headers and row."""
    headers, her = make_participant(
        client, session, settings, timezone="America/Los_Angeles", enrolled_at=JOINED, **changes
    )
    # What joining planned today belongs to a join today, not to the one set back in time.
    session.execute(delete(Prompt))
    session.commit()
    return headers, her


def joined_study(client, session, settings, **changes) -> Participant:
    studies_service.apply_protocol(session=session, source=waves_protocol(), now=utcnow())
    return joined_back_then(client, session, settings, **changes)[1]


def test_baseline_opens_when_she_joins_and_later_waves_wait_for_their_day(
    client, session, settings
):
    her = joined_study(client, session, settings)
    plan(session, JOINED + timedelta(minutes=1))

    waves = waves_of(session, her)
    assert set(waves) == {"baseline"}
    baseline = waves["baseline"]
    # Past 10:00 on her clock when she joined: it opens at once, and closes 7 days on at 10:00.
    assert baseline.scheduled_at == JOINED
    assert local(baseline.expires_at) == datetime(2026, 2, 27, 10, 0, tzinfo=LA)
    assert local(baseline.remind_at) == datetime(2026, 2, 22, 10, 0, tzinfo=LA)


def test_week_4_opens_at_10_on_her_clock_across_a_clock_change(client, session, settings):
    her = joined_study(client, session, settings)
    plan(session, on_her_clock(date(2026, 3, 19), 12))  # the day before week 4 opens

    week4 = waves_of(session, her)["week4"]
    assert local(week4.scheduled_at) == datetime(2026, 3, 20, 10, 0, tzinfo=LA)
    assert week4.scheduled_at.astimezone(UTC).hour == 17  # PDT: 10:00 is 17:00 UTC
    assert local(week4.expires_at) == datetime(2026, 3, 27, 10, 0, tzinfo=LA)


def test_a_program_week_wave_opens_on_that_week_s_first_day(client, session, settings):
    her = joined_study(client, session, settings)
    plan(session, on_her_clock(date(2026, 4, 17), 12))

    week8 = waves_of(session, her)["week8"]
    assert week8.local_date == date(2026, 4, 17)  # program week 9 begins on day 56


def test_a_wave_reminds_on_each_reminder_day_then_closes_as_missed(
    client, session, settings, sender
):
    her = joined_study(client, session, settings)
    plan(session, JOINED + timedelta(minutes=1))
    baseline = waves_of(session, her)["baseline"]

    opened = JOINED + timedelta(minutes=2)
    assert dispatch.dispatch_due(session=session, worker="w", send=sender, now=opened).claimed == 1
    first = on_her_clock(date(2026, 2, 22))
    assert dispatch.send_reminders(session=session, worker="w", send=sender, now=first) == 1
    assert local(waves_of(session, her)["baseline"].reminded_at) == local(first)

    plan(session, first + timedelta(minutes=10))
    again = waves_of(session, her)["baseline"]
    assert local(again.remind_at) == datetime(2026, 2, 25, 10, 0, tzinfo=LA)
    # Nothing more goes out before the next reminder's day.
    assert (
        dispatch.send_reminders(session=session, worker="w", send=sender, now=first + timedelta(1))
        == 0
    )

    second = on_her_clock(date(2026, 2, 25))
    assert dispatch.send_reminders(session=session, worker="w", send=sender, now=second) == 1
    plan(session, second + timedelta(minutes=10))
    assert (
        dispatch.send_reminders(session=session, worker="w", send=sender, now=second + timedelta(1))
        == 0
    )

    ema_prompts.expire_due(session=session, now=baseline.expires_at)
    assert waves_of(session, her)["baseline"].status == "expired"


def test_each_reminder_of_a_wave_stays_recorded(client, session, settings, sender):
    her = joined_study(client, session, settings)
    plan(session, JOINED + timedelta(minutes=1))
    dispatch.dispatch_due(
        session=session, worker="w", send=sender, now=JOINED + timedelta(minutes=2)
    )
    first, second = on_her_clock(date(2026, 2, 22)), on_her_clock(date(2026, 2, 25))
    dispatch.send_reminders(session=session, worker="w", send=sender, now=first)
    plan(session, first + timedelta(minutes=10))
    dispatch.send_reminders(session=session, worker="w", send=sender, now=second)
    plan(session, second + timedelta(minutes=10))

    baseline = waves_of(session, her)["baseline"]
    assert baseline.reminders_sent == 2
    assert local(baseline.first_reminded_at) == local(first)
    assert local(baseline.reminded_at) == local(second)


def test_a_move_west_after_a_reminder_does_not_send_that_reminder_again(
    client, session, settings, sender
):
    her = joined_study(client, session, settings)
    plan(session, JOINED + timedelta(minutes=1))
    dispatch.dispatch_due(
        session=session, worker="w", send=sender, now=JOINED + timedelta(minutes=2)
    )
    first = on_her_clock(date(2026, 2, 22))
    assert dispatch.send_reminders(session=session, worker="w", send=sender, now=first) == 1
    # She flies to Honolulu (UTC-10, two hours behind): 10:00 there on day 2 is still ahead.
    her_row = session.get(Participant, her.id)
    her_row.timezone = "Pacific/Honolulu"
    session.add(her_row)
    session.commit()

    plan(session, first + timedelta(minutes=10))
    later = first + timedelta(hours=2, minutes=1)
    assert dispatch.send_reminders(session=session, worker="w", send=sender, now=later) == 0
    baseline = waves_of(session, her)["baseline"]
    assert baseline.reminders_sent == 1
    fifth = datetime(2026, 2, 25, 10, 0, tzinfo=ZoneInfo("Pacific/Honolulu"))
    assert baseline.remind_at == fifth.astimezone(UTC)


def test_the_bonding_questionnaire_waits_for_a_postpartum_mother(client, session, settings):
    her = joined_study(client, session, settings, stage="pregnant")
    plan(session, on_her_clock(date(2026, 3, 19), 12))

    assert "bonding" not in waves_of(session, her)
    assert "week4" in waves_of(session, her)


def test_a_withdrawn_mother_gets_no_more_waves_and_her_open_one_closes(
    client, session, settings, sender
):
    her = joined_study(client, session, settings)
    plan(session, JOINED + timedelta(minutes=1))
    dispatch.dispatch_due(session=session, worker="w", send=sender, now=JOINED + timedelta(hours=1))
    assert waves_of(session, her)["baseline"].status == "sent"
    studies_service.withdraw(session=session, participant=her, now=JOINED + timedelta(hours=1))
    ema_prompts.cancel_future(session=session, participant=her, now=JOINED + timedelta(hours=1))
    plan(session, on_her_clock(date(2026, 3, 19), 12))

    waves = waves_of(session, her)
    assert set(waves) == {"baseline"}
    assert waves["baseline"].status == "cancelled"


def test_a_wave_needs_a_day_or_a_program_week() -> None:
    source = waves_protocol().replace("day: 0, open_days", "open_days")

    with pytest.raises(ProtocolError) as caught:
        parse_protocol(source)

    assert caught.value.problems == [
        "waves[0]: a wave needs exactly one of 'day' or 'program_week'"
    ]


def test_a_wave_reminds_only_inside_its_window() -> None:
    baseline = "\n  - {id: baseline, instrument: phq9, day: 0, open_days: 7, reminder_days: [2, 5]}"
    source = waves_protocol().replace(
        baseline, baseline.replace("7, reminder_days: [2, 5]", "3, reminder_days: [4]")
    )

    with pytest.raises(ProtocolError) as caught:
        parse_protocol(source)

    assert caught.value.problems == [
        "waves[0]: 'reminder_days' must fall inside the window: from 1 to 2"
    ]


def test_a_wave_asks_an_instrument_the_protocol_lists() -> None:
    source = waves_protocol().replace("instruments: [phq9, pbq, ", "instruments: [pbq, ")

    with pytest.raises(ProtocolError) as caught:
        parse_protocol(source)

    assert caught.value.problems == [
        "protocol: schedules or waves use instruments not listed in 'instruments': ['phq9']"
    ]


def test_a_wave_she_opened_but_did_not_send_still_reminds(client, session, settings, sender):
    her = joined_study(client, session, settings)
    plan(session, JOINED + timedelta(minutes=1))
    dispatch.dispatch_due(session=session, worker="w", send=sender, now=JOINED + timedelta(1))
    ema_prompts.mark_opened(
        session=session, prompt=waves_of(session, her)["baseline"], now=JOINED + timedelta(1)
    )

    first = on_her_clock(date(2026, 2, 22))
    assert dispatch.send_reminders(session=session, worker="w", send=sender, now=first) == 1
    plan(session, first + timedelta(minutes=10))
    assert local(waves_of(session, her)["baseline"].remind_at) == datetime(
        2026, 2, 25, 10, tzinfo=LA
    )


def test_a_missed_wave_is_not_counted_in_check_in_compliance(client, session, settings):
    her = joined_study(client, session, settings)
    plan(session, JOINED + timedelta(minutes=1))
    baseline = waves_of(session, her)["baseline"]
    ema_prompts.expire_due(session=session, now=baseline.expires_at)
    study = session.exec(select(Study)).one()

    overall, _ = ema_service.compliance_overview(
        session=session, study=study, now=baseline.expires_at + timedelta(1)
    )

    check_ins = [p for p in session.exec(select(Prompt)) if p.kind != "wave"]
    assert waves_of(session, her)["baseline"].status == "expired"
    assert (overall.due, overall.expired) == (len(check_ins), len(check_ins))


def test_a_wave_whose_day_passed_while_planning_was_down_opens_when_planning_returns(
    client, session, settings, sender
):
    her = joined_study(client, session, settings)
    plan(session, JOINED + timedelta(minutes=1))
    back = on_her_clock(date(2026, 3, 22), 12)  # week 4 opened on 20 March; nothing ran since

    plan(session, back)

    week4 = waves_of(session, her)["week4"]
    assert week4.local_date == date(2026, 3, 20)
    assert local(week4.expires_at) == datetime(2026, 3, 27, 10, 0, tzinfo=LA)
    # The day 2 reminder's time has passed: the next one is day 5's.
    assert local(week4.remind_at) == datetime(2026, 3, 25, 10, 0, tzinfo=LA)
    dispatch.dispatch_due(session=session, worker="w", send=sender, now=back)
    assert waves_of(session, her)["week4"].status == "sent"


def test_a_wave_whose_whole_window_passed_unplanned_is_recorded_missed(
    client, session, settings, sender
):
    her = joined_study(client, session, settings)
    plan(session, JOINED + timedelta(minutes=1))
    back = on_her_clock(date(2026, 3, 28), 12)  # week 4's window closed on 27 March

    plan(session, back)
    ema_prompts.expire_due(session=session, now=back)

    week4 = waves_of(session, her)["week4"]
    assert week4.status == "expired"
    dispatch.dispatch_due(session=session, worker="w", send=sender, now=back)
    assert waves_of(session, her)["week4"].sent_at is None


def test_a_caught_up_wave_is_stored_once_however_often_planning_runs(client, session, settings):
    her = joined_study(client, session, settings)
    plan(session, JOINED + timedelta(minutes=1))
    back = on_her_clock(date(2026, 3, 22), 12)
    study = session.exec(select(Study)).one()
    document = studies_service.protocol_document(session=session, study=study)

    plan(session, back)
    plan(session, back + timedelta(minutes=10))
    # She changes her hours: her plan is checked in full, waves and all.
    her.wake_time = time(8, 0)
    session.add(her)
    session.commit()
    ema_planning.plan_participant(
        session=session, participant=her, study=study, document=document, now=back
    )

    rows = session.exec(
        select(Prompt).where(Prompt.participant_id == her.id).where(Prompt.schedule_id == "week4")
    ).all()
    assert len(rows) == 1


def test_a_first_planning_long_after_she_joined_records_her_past_waves_once(
    client, session, settings
):
    her = joined_study(client, session, settings)
    her.planned_through = None  # nothing planned for her yet
    session.add(her)
    session.commit()
    back = on_her_clock(date(2026, 3, 22), 12)

    plan(session, back)
    plan(session, back + timedelta(minutes=10))

    waves = waves_of(session, her)
    assert set(waves) == {"baseline", "week4", "bonding"}
    assert waves["baseline"].expires_at < back < waves["week4"].expires_at


def test_a_withdrawn_mother_gets_no_caught_up_waves(client, session, settings):
    her = joined_study(client, session, settings)
    plan(session, JOINED + timedelta(minutes=1))
    studies_service.withdraw(session=session, participant=her, now=JOINED + timedelta(hours=1))
    ema_prompts.cancel_future(session=session, participant=her, now=JOINED + timedelta(hours=1))

    plan(session, on_her_clock(date(2026, 3, 22), 12))

    assert set(waves_of(session, her)) == {"baseline"}
