"""Participant API: the practice catalog, the program, practice sessions and her summary."""

import re
from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse

from savor.clock import utcnow
from savor.db import SessionDep
from savor.deps import SettingsDep, WriterDep
from savor.errors import AppError
from savor.practices import present, progress
from savor.practices import service as practices_service
from savor.practices.models import PracticeSessionCreate, PracticeSessionPublic
from savor.practices.ratings import RatingsDep
from savor.practices.schemas import PracticeDetail, PracticeSummary, ProgramView, WeekProgress
from savor.practices.summary import SummaryView
from savor.studies import service as studies_service
from savor.studies.protocol import AUDIO_FILE_PATTERN
from savor.studies.signin import ActiveParticipant, CurrentParticipant

router = APIRouter(prefix="/api/v1", tags=["practices"])


def _week(participant) -> int:
    return progress.program_week(
        enrolled_at=participant.enrolled_at, timezone=participant.timezone, now=utcnow()
    )


@router.get("/practices", response_model=list[PracticeSummary])
def read_practices(participant: CurrentParticipant, session: SessionDep) -> list[PracticeSummary]:
    """Every practice for her, in her language, with what this week has unlocked."""
    _, _, catalog = practices_service.context_for(session=session, participant=participant)
    week = _week(participant)
    return [
        present.practice_summary(
            practice,
            language=participant.language,
            week=week,
            unlock_week=catalog.unlock_week(practice.id, participant.stage),
        )
        for practice in catalog.practices.values()
        if catalog.visible_to(practice, participant.stage)
    ]


@router.get("/practices/{practice_id}", response_model=PracticeDetail)
def read_practice(
    practice_id: str, participant: CurrentParticipant, session: SessionDep
) -> PracticeDetail:
    """One practice with every variant's steps, for the player and for offline use."""
    study, _, catalog = practices_service.context_for(session=session, participant=participant)
    practice = practices_service.visible_practice(catalog, practice_id, participant.stage)
    return present.practice_detail(
        practice,
        catalog=catalog,
        study=study.slug,
        language=participant.language,
        unlock_week=catalog.unlock_week(practice.id, participant.stage),
        week=_week(participant),
    )


@router.get("/program", response_model=ProgramView)
def read_program(participant: CurrentParticipant, session: SessionDep) -> ProgramView:
    """The weeks, this week's theme and goal, and her progress toward it."""
    _, _, catalog = practices_service.context_for(session=session, participant=participant)
    now = utcnow()
    week = _week(participant)
    weeks = [
        present.week_view(
            w, catalog=catalog, stage=participant.stage, language=participant.language, current=week
        )
        for w in catalog.program.weeks
    ]
    this_week = weeks[min(week, len(weeks)) - 1]
    totals = practices_service.this_week(session=session, participant=participant, now=now)
    unlocked = [
        pid
        for pid, p in catalog.practices.items()
        if catalog.visible_to(p, participant.stage)
        and practices_service.is_unlocked(catalog, pid, participant.stage, week)
    ]
    return ProgramView(
        week=week,
        program_day=progress.program_day(
            enrolled_at=participant.enrolled_at, timezone=participant.timezone, now=now
        ),
        this_week=this_week,
        progress=WeekProgress(practice_days=totals.practice_days, minutes=totals.minutes),
        unlocked=unlocked,
        weeks=weeks,
    )


@router.post("/practice-sessions", response_model=PracticeSessionPublic, status_code=201)
def create_practice_session(
    body: PracticeSessionCreate,
    participant: ActiveParticipant,
    session: SessionDep,
    writer: WriterDep,
    ratings: RatingsDep,
    response: Response,
) -> PracticeSessionPublic:
    """Save a practice she did; sending the same record again returns it unchanged (200)."""
    row, created = practices_service.record_session(
        session=session,
        writer=writer,
        participant=participant,
        body=body,
        check_ratings=ratings.check,
        now=utcnow(),
    )
    if not created:
        response.status_code = 200
    return PracticeSessionPublic.model_validate(row, from_attributes=True)


@router.get("/me/summary", response_model=SummaryView)
def read_summary(
    participant: CurrentParticipant, session: SessionDep, ratings: RatingsDep
) -> SummaryView:
    """Her own trends: practice days and minutes, feelings by day, before vs after."""
    return practices_service.summary_for(
        session=session, participant=participant, feelings=ratings.feelings, now=utcnow()
    )


@router.get("/audio/{study}/{file}", response_class=FileResponse)
def read_audio(study: str, file: str, session: SessionDep, settings: SettingsDep) -> FileResponse:
    """A study's recording, with range requests and caching so the app can keep it offline."""
    found = studies_service.get_study(session=session, slug=study)
    attached = found and any(
        a.file == file
        for a in studies_service.protocol_document(session=session, study=found).program.audio
    )
    path = Path(settings.data_dir) / "audio" / study / file
    if not attached or not re.match(AUDIO_FILE_PATTERN, file) or not path.is_file():
        raise AppError(404, "not_found", "There is no such recording.")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=604800"})
