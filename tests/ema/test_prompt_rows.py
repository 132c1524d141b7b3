"""New prompt rows read back exactly as planned, whichever way the database took them."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from savor.ema.models import Prompt
from savor.ema.prompt_rows import NewPrompts
from savor.ema.schedule import PlannedPrompt
from savor.studies import service as studies_service
from savor.studies.models import Study
from tests.factories import make_participant

DAY = date(2026, 3, 8)  # spring forward in the US


def _plans() -> list[PlannedPrompt]:
    at = datetime(2026, 3, 8, 14, 7, 30, 123456, tzinfo=UTC)
    later = datetime(2026, 3, 9, 3, 59, tzinfo=UTC)
    return [
        PlannedPrompt("random_checkin", "momentary", DAY, 2, at, at.replace(hour=15), None),
        PlannedPrompt("daily_diary", "end_of_day", DAY, 0, later, later, later.replace(hour=4)),
    ]


def test_new_prompts_read_back_as_planned(client, session, settings):
    _, her = make_participant(client, session, settings)
    study = session.get_one(Study, her.study_id)
    document = studies_service.protocol_document(session=session, study=study)
    mine = {p.id for p in session.exec(select(Prompt).where(Prompt.participant_id == her.id))}

    stored = NewPrompts(session, document, 7).insert([(her.id, plan) for plan in _plans()])
    session.commit()

    assert stored == 2
    rows = session.exec(select(Prompt).where(Prompt.participant_id == her.id)).all()
    new = sorted((r for r in rows if r.id not in mine), key=lambda r: r.slot)
    assert [
        (r.schedule_id, r.kind, r.instrument_id, r.instrument_version, r.protocol_version)
        for r in new
    ] == [
        ("daily_diary", "end_of_day", "end_of_day", "1", 7),
        ("random_checkin", "random", "momentary", "1", 7),
    ]
    diary, checkin = new
    plan_checkin, plan_diary = _plans()
    assert (checkin.local_date, checkin.slot) == (DAY, 2)
    assert (checkin.scheduled_at, checkin.expires_at) == (
        plan_checkin.scheduled_at,
        plan_checkin.expires_at,
    )
    assert checkin.remind_at is None and diary.remind_at == plan_diary.remind_at
    assert all(r.status == "scheduled" and r.sent_at is None and r.pushed == 0 for r in new)
    assert all(r.id.version == 4 for r in new) and len({r.id for r in new}) == 2


def test_a_prompt_stored_twice_is_an_integrity_error(client, session, settings):
    _, her = make_participant(client, session, settings)
    study = session.get_one(Study, her.study_id)
    document = studies_service.protocol_document(session=session, study=study)
    her_id = her.id
    NewPrompts(session, document, 1).insert((her_id, plan) for plan in _plans())
    session.commit()

    with pytest.raises(IntegrityError):
        NewPrompts(session, document, 1).insert((her_id, plan) for plan in _plans()[:1])
    session.rollback()
