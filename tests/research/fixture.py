"""A small study with every kind of record, written with fixed values so that exports can be
checked cell by cell: two mothers in two time zones, a prompt answered, a self-started diary,
a free-text answer, a practice session with ratings before and after."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session

from savor.ema.instruments import parse_instrument
from savor.ema.models import InstrumentVersion, Prompt, Response, ResponseItem
from savor.practices.models import PracticeSession
from savor.studies.models import Participant, ParticipantState, Study
from tests.factories import make_study

FREE_TEXT = "I walked by the river with my daughter Ana"
JOURNAL = {
    "id": "journal",
    "version": 1,
    "title": {"en": "A few words", "es": "Unas palabras"},
    "items": [
        {
            "id": "J1",
            "type": "text",
            "sensitive": True,
            "text": {"en": "What happened?", "es": "¿Qué pasó?"},
        },
        {
            "id": "J2",
            "type": "rating",
            "text": {"en": "How was it?", "es": "¿Cómo fue?"},
            "min_label": {"en": "Bad", "es": "Mal"},
            "max_label": {"en": "Good", "es": "Bien"},
        },
    ],
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Fixture:
    study: Study
    ana: Participant  # America/Chicago, UTC-6 in early March
    bea: Participant  # America/Mexico_City, withdrawn
    prompt: Prompt
    answered: Response
    diary: Response
    journal: Response
    practice: PracticeSession

    def internal_ids(self) -> list[uuid.UUID]:
        records = [self.study, self.ana, self.bea, self.prompt, self.answered, self.diary]
        return [r.id for r in [*records, self.journal, self.practice]] + [
            self.answered.client_id,
            self.diary.client_id,
            self.journal.client_id,
            self.practice.client_id,
        ]


def _response(participant: Participant, prompt: Prompt | None, **fields) -> Response:
    return Response(
        participant_id=participant.id,
        client_id=uuid.uuid4(),
        prompt_id=prompt.id if prompt else None,
        instrument_fingerprint="0" * 12,
        protocol_version=1,
        context={},
        body_hash="0" * 64,
        **fields,
    )


def _items(response: Response, answers: list[tuple[str, object, bool]]) -> list[ResponseItem]:
    return [
        ResponseItem(
            response_id=response.id, item_id=item, position=n, value=value, declined=declined
        )
        for n, (item, value, declined) in enumerate(answers)
    ]


def build(session: Session) -> Fixture:
    study = make_study(session)
    journal = parse_instrument(JOURNAL, source="journal")
    session.add(
        InstrumentVersion(
            instrument_id="journal",
            version="1",
            fingerprint=journal.fingerprint,
            definition=journal.model_dump(mode="json", exclude={"fingerprint"}),
        )
    )
    ana = Participant(
        study_id=study.id,
        timezone="America/Chicago",
        language="en",
        stage="postpartum",
        enrolled_at=at("2026-03-01T15:00:00"),
    )
    bea = Participant(
        study_id=study.id,
        timezone="America/Mexico_City",
        language="es",
        enrolled_at=at("2026-03-01T16:30:00"),
        withdrawn_at=at("2026-03-05T12:00:00"),
    )
    session.add_all([ana, bea])
    session.flush()
    # Their histories: each has kept the settings she joined with.
    session.add_all(
        ParticipantState(
            participant_id=p.id,
            at=p.enrolled_at,
            timezone=p.timezone,
            stage=p.stage,
            wake_time=p.wake_time,
            sleep_time=p.sleep_time,
        )
        for p in (ana, bea)
    )
    prompt = Prompt(
        participant_id=ana.id,
        schedule_id="random_checkin",
        kind="random",
        instrument_id="momentary",
        instrument_version="1",
        protocol_version=1,
        local_date=date(2026, 3, 2),
        slot=0,
        status="completed",
        scheduled_at=at("2026-03-02T14:00:00"),
        expires_at=at("2026-03-02T14:45:00"),
        sent_at=at("2026-03-02T14:00:05"),
        delivered_at=at("2026-03-02T14:00:07"),
        shown_at=at("2026-03-02T14:00:07.500"),
        clicked_at=at("2026-03-02T14:00:59"),
        opened_at=at("2026-03-02T14:01:00"),
        completed_at=at("2026-03-02T14:50:00"),
        answered_late=True,
    )
    session.add(prompt)
    session.flush()
    answered = _response(
        ana,
        prompt,
        kind="random",
        instrument_id="momentary",
        instrument_version="1",
        started_at=at("2026-03-02T14:49:30.250"),
        submitted_at=at("2026-03-02T14:50:00"),
        received_at=at("2026-03-04T09:00:00"),
        timezone="America/Chicago",
        local_date=date(2026, 3, 2),
        late=True,
    )
    diary = _response(
        bea,
        None,
        kind="self",
        instrument_id="end_of_day",
        instrument_version="1",
        submitted_at=at("2026-03-03T03:30:00"),
        received_at=at("2026-03-03T03:30:02"),
        timezone="America/Mexico_City",
        local_date=date(2026, 3, 2),
    )
    journal_answer = _response(
        ana,
        None,
        kind="self",
        instrument_id="journal",
        instrument_version="1",
        submitted_at=at("2026-03-03T18:00:00"),
        received_at=at("2026-03-03T18:00:01"),
        timezone="America/Chicago",
        local_date=date(2026, 3, 3),
    )
    session.add_all([answered, diary, journal_answer])
    session.flush()
    session.add_all(
        _items(answered, [("S1", 3, False), ("C1", None, True), ("B1", "not_with_baby", False)])
        + _items(diary, [("E1", 0, False), ("E3", 2, False), ("E4", False, False)])
        + _items(journal_answer, [("J1", FREE_TEXT, False), ("J2", 7, False)])
    )
    practice = PracticeSession(
        participant_id=ana.id,
        client_id=uuid.uuid4(),
        practice_id="P03",
        practice_version="a1b2c3d4e5f6",
        variant="3min",
        completed=True,
        seconds_practiced=180,
        steps_completed=4,
        trigger="self",
        started_at=at("2026-03-02T20:00:00"),
        ended_at=at("2026-03-02T20:03:10"),
        received_at=at("2026-03-02T20:03:11"),
        local_date=date(2026, 3, 2),
        program_week=1,
        protocol_version=1,
        pre_instrument="pre_practice",
        pre_instrument_version="1",
        pre=[{"item_id": "S1", "value": 6, "declined": False}],
        post_instrument="post_practice",
        post_instrument_version="1",
        post=[
            {"item_id": "S1", "value": 2, "declined": False},
            {"item_id": "C1", "value": None, "declined": True},
        ],
        body_hash="0" * 64,
    )
    session.add(practice)
    session.commit()
    for row in (study, ana, bea, prompt, answered, diary, journal_answer, practice):
        session.refresh(row)
    return Fixture(study, ana, bea, prompt, answered, diary, journal_answer, practice)
