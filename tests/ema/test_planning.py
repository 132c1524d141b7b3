"""Planning a whole study in batches writes exactly what planning each mother alone writes."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, delete, select

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


def test_withdrawn_mothers_are_left_out(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    client.post("/api/v1/me/withdraw", headers=headers)
    session.execute(delete(Prompt))
    session.commit()
    assert _plan_study(session, utcnow()) == 0
    assert prompts_of(session, participant) == []
