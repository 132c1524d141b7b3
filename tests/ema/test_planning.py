"""Planning a whole study in batches writes exactly what planning each mother alone writes."""

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, delete, select, update

from savor.clock import utcnow
from savor.ema import planning as ema_planning
from savor.ema.models import Prompt
from savor.studies import service as studies_service
from savor.studies.models import Participant, Study
from tests.factories import make_participant, prompts_of

ZONES = ["America/New_York", "Europe/Madrid", "Asia/Kathmandu", "Pacific/Honolulu"]


def _plans(session: Session) -> dict[tuple, tuple]:
    session.expire_all()
    return {
        (p.participant_id, p.schedule_id, p.local_date, p.slot): (
            p.kind,
            p.instrument_id,
            p.instrument_version,
            p.protocol_version,
            p.status,
            p.scheduled_at,
            p.expires_at,
            p.remind_at,
        )
        for p in session.exec(select(Prompt))
    }


def _study(session: Session) -> tuple[Study, list[Participant]]:
    study = session.exec(select(Study)).one()
    return study, list(session.exec(select(Participant)))


def _plan_study(session: Session, now: datetime) -> int:
    study, _ = _study(session)
    document = studies_service.protocol_document(session=session, study=study)
    return ema_planning.plan_study(session=session, study=study, document=document, now=now)


def test_a_batch_plans_what_each_alone_would(client, session, settings, monkeypatch):
    for n, zone in enumerate(ZONES):
        _, participant = make_participant(client, session, settings, timezone=zone)
        participant.wake_time = time(6 + n, 15)
        session.add(participant)
    session.commit()
    study, people = _study(session)
    document = studies_service.protocol_document(session=session, study=study)
    now = utcnow() + timedelta(hours=3)
    session.execute(delete(Prompt))
    session.commit()
    for participant in people:
        ema_planning.plan_participant(
            session=session, participant=participant, study=study, document=document, now=now
        )
    alone = _plans(session)
    assert len(alone) >= 4 * len(ZONES)  # at least all of tomorrow
    session.execute(delete(Prompt))
    session.execute(update(Participant).values(plan_key=None))  # as if never planned
    session.commit()
    monkeypatch.setattr(ema_planning, "PLAN_BATCH", 3)  # batches of 3 and 1
    assert _plan_study(session, now) == len(alone)
    assert _plans(session) == alone
    assert _plan_study(session, now) == 0


def test_new_hours_move_and_cancel_in_a_batch_and_leave_the_rest(client, session, settings):
    _, first = make_participant(client, session, settings)
    _, second = make_participant(client, session, settings, timezone="Europe/London")
    now = utcnow()
    sent, sending, *_ = [p for p in prompts_of(session, first) if p.scheduled_at > now]
    sent.status, sending.status = "sent", "sending"
    session.add_all([sent, sending])
    first.wake_time, first.sleep_time = time(12), time(13, 30)  # room for little
    session.add(first)
    session.commit()
    untouched = [(p.id, p.scheduled_at) for p in prompts_of(session, second)]
    assert _plan_study(session, now) > 0
    after = {p.id: p for p in prompts_of(session, first)}
    assert (after[sent.id].status, after[sent.id].scheduled_at) == ("sent", sent.scheduled_at)
    assert after[sending.id].status == "sending"
    for prompt in after.values():
        if prompt.status == "scheduled" and prompt.scheduled_at > now:
            local = prompt.scheduled_at.astimezone(ZoneInfo(first.timezone)).time()
            assert time(12) <= local < time(13, 30)
    assert "cancelled" in {p.status for p in after.values()}
    assert [(p.id, p.scheduled_at) for p in prompts_of(session, second)] == untouched


@pytest.mark.parametrize(
    ("old_zone", "new_zone"),
    [("America/Chicago", "Europe/Madrid"), ("Europe/Madrid", "America/Chicago")],
)
def test_after_a_move_nothing_waits_outside_her_new_hours(
    client, session, settings, old_zone, new_zone
):
    enrolled = datetime(2026, 12, 1, 15, tzinfo=UTC)
    _, her = make_participant(client, session, settings, timezone=old_zone, enrolled_at=enrolled)
    now = datetime(
        2026, 12, 8, 1, 30, tzinfo=UTC
    )  # 19:30 on the 7th in Chicago, 02:30 on the 8th in Madrid
    study, _ = _study(session)
    document = studies_service.protocol_document(session=session, study=study)
    session.execute(delete(Prompt))
    session.commit()
    ema_planning.plan_participant(
        session=session, participant=her, study=study, document=document, now=now
    )
    old_days = {p.local_date for p in prompts_of(session, her) if p.scheduled_at > now}
    her.timezone = new_zone
    session.add(her)
    session.commit()

    ema_planning.plan_participant(
        session=session, participant=her, study=study, document=document, now=now
    )

    zone = ZoneInfo(new_zone)
    waiting = [
        p for p in prompts_of(session, her) if p.status == "scheduled" and p.scheduled_at > now
    ]
    new_days = {now.astimezone(zone).date() + timedelta(days=n) for n in (0, 1)}
    assert old_days != new_days  # the old zone had a day the new one does not plan
    assert {p.local_date for p in waiting} <= new_days
    for prompt in waiting:
        assert her.wake_time <= prompt.scheduled_at.astimezone(zone).time() <= her.sleep_time


def test_withdrawn_mothers_are_left_out(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    client.post("/api/v1/me/withdraw", headers=headers)
    session.execute(delete(Prompt))
    session.commit()
    assert _plan_study(session, utcnow()) == 0
    assert prompts_of(session, participant) == []


def _spy_on_checking(monkeypatch) -> list:
    checked: list = []
    real = ema_planning._check_batch

    def check(session, people, *args):
        checked.extend(her.id for her in people)
        return real(session, people, *args)

    monkeypatch.setattr(ema_planning, "_check_batch", check)
    return checked


def test_the_next_day_adds_what_checking_everyone_would_and_checks_no_one(
    client, session, settings, monkeypatch
):
    for zone in ZONES:
        make_participant(client, session, settings, timezone=zone)
    next_day = utcnow() + timedelta(days=1)
    checked = _spy_on_checking(monkeypatch)

    added = _plan_study(session, next_day)

    assert added >= 4 * len(ZONES) and checked == []
    by_new_days = _plans(session)
    session.execute(update(Participant).values(plan_key=None))
    session.commit()
    assert _plan_study(session, next_day) == 0  # checking finds nothing to change
    assert _plans(session) == by_new_days


def _away_from_midnight(now: datetime) -> list[str]:
    """The zones where no new local day begins within the next hour."""
    return [z for z in ZONES if now.astimezone(ZoneInfo(z)).hour < 23]


def test_a_run_soon_after_the_last_derives_nothing(client, session, settings, monkeypatch):
    now = utcnow()
    for zone in _away_from_midnight(now):
        make_participant(client, session, settings, timezone=zone)
    _plan_study(session, now)
    before = _plans(session)
    derived = []
    real = ema_planning.plan_day
    monkeypatch.setattr(ema_planning, "plan_day", lambda **kw: derived.append(kw) or real(**kw))

    assert _plan_study(session, now + timedelta(minutes=10)) == 0
    assert derived == [] and _plans(session) == before


def test_hours_changed_without_replanning_are_caught_by_the_next_run(
    client, session, settings, monkeypatch
):
    _, participant = make_participant(client, session, settings, timezone="America/Chicago")
    participant.wake_time, participant.sleep_time = time(13), time(15)  # not planned for yet
    session.add(participant)
    session.commit()
    checked = _spy_on_checking(monkeypatch)
    now = utcnow()

    _plan_study(session, now)

    assert checked == [participant.id]
    for prompt in prompts_of(session, participant):
        if prompt.status == "scheduled" and prompt.scheduled_at > now:
            local = prompt.scheduled_at.astimezone(ZoneInfo("America/Chicago")).time()
            assert time(13) <= local < time(15)


def test_days_planned_by_a_run_that_stopped_early_are_checked_not_doubled(
    client, session, settings, monkeypatch
):
    next_day = utcnow() + timedelta(days=1)
    zones = _away_from_midnight(next_day)
    for zone in zones:
        make_participant(client, session, settings, timezone=zone)
    _plan_study(session, next_day)
    planned = _plans(session)
    study, _ = _study(session)
    study.planned_at = None  # as if it stopped before marking the study planned
    session.add(study)
    session.commit()
    checked = _spy_on_checking(monkeypatch)

    assert _plan_study(session, next_day + timedelta(minutes=10)) == 0

    assert len(checked) == len(zones)
    assert _plans(session) == planned


def test_the_plan_key_follows_every_input_of_her_plan():
    her = Participant(
        study_id=uuid.uuid4(),
        timezone="Europe/Madrid",
        language="es",
        wake_time=time(7),
        sleep_time=time(22),
        enrolled_at=datetime(2026, 3, 1, 9, tzinfo=UTC),
    )
    key = ema_planning.plan_key(her, protocol_version=1)
    changes = [
        {"timezone": "Europe/Lisbon"},
        {"wake_time": time(7, 1)},
        {"sleep_time": time(23)},
        {"enrolled_at": datetime(2026, 3, 2, 9, tzinfo=UTC)},
    ]
    others = [ema_planning.plan_key(her.model_copy(update=c), protocol_version=1) for c in changes]

    assert ema_planning.plan_key(her, protocol_version=2) != key
    assert key not in others and len(set(others)) == len(others)
    assert (
        ema_planning.plan_key(her.model_copy(update={"language": "en"}), protocol_version=1) == key
    )
