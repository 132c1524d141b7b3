"""Study-wide compliance: the prompt funnel week by week, each participant's study days, and
completion by the hour of her day."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from savor.ema.models import Prompt
from savor.ema.waves import WAVE_KIND
from savor.research.console import facts as gathered
from savor.research.console.models import HourCompletion, StudyCompliance, StudyDayRow, WeekFunnel
from savor.studies.models import Participant, Study

MAX_DAYS = 84  # twelve weeks across: wider than a screen reads


def _week(at: datetime) -> date:
    day = at.date()
    return day - timedelta(days=day.weekday())


def _prompts(session: Session, study: Study, now: datetime) -> list[Any]:
    """Every prompt due so far, with how far it got as three flags the database works out, so
    the rows are light however long the study."""
    opened = col(Prompt.opened_at).is_not(None) | col(Prompt.clicked_at).is_not(None)
    delivered = opened | col(Prompt.delivered_at).is_not(None) | col(Prompt.shown_at).is_not(None)
    query = (
        select(
            Prompt.participant_id,
            Prompt.status,
            Prompt.local_date,
            Prompt.scheduled_at,
            col(Prompt.sent_at).is_not(None).label("sent"),
            delivered.label("delivered"),
            opened.label("opened"),
        )
        .join(Participant, col(Participant.id) == Prompt.participant_id)
        .where(Participant.study_id == study.id)
        .where(col(Prompt.scheduled_at) < now, col(Prompt.status) != "cancelled")
        .where(col(Prompt.kind) != WAVE_KIND)  # questionnaires are not check-ins
    )
    return list(session.execute(query).all())


def _funnel(prompts: list[Any]) -> list[WeekFunnel]:
    weeks: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for row in prompts:
        done = row.status == "completed"
        counts = weeks[_week(row.scheduled_at)]
        counts[0] += 1
        counts[1] += bool(row.sent)
        counts[2] += bool(row.delivered) or done
        counts[3] += bool(row.opened) or done
        counts[4] += done
    return [
        WeekFunnel(
            week_start=week, scheduled=c[0], sent=c[1], delivered=c[2], opened=c[3], completed=c[4]
        )
        for week, c in sorted(weeks.items())
    ]


def _settled(row: Any) -> bool:
    return row.status in ("completed", "expired")


def _days(
    participants: list[Participant], names: dict[Any, str], by_person: dict[Any, list[Any]]
) -> list[StudyDayRow]:
    rows = []
    for p in participants:
        first = p.enrolled_at.date()
        answered: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for row in by_person.get(p.id, []):
            index = (row.local_date - first).days
            if 0 <= index < MAX_DAYS and _settled(row):
                answered[index][0] += row.status == "completed"
                answered[index][1] += 1
        width = max(answered, default=-1) + 1
        rates = [
            round(answered[i][0] / answered[i][1], 2) if i in answered else None
            for i in range(width)
        ]
        rows.append(StudyDayRow(pseudonym=names[p.id], rates=rates))
    return sorted(rows, key=lambda r: r.pseudonym)


def _hours(participants: list[Participant], prompts: list[Any]) -> list[HourCompletion]:
    zones = {p.id: ZoneInfo(p.timezone) for p in participants}
    due, done = [0] * 24, [0] * 24
    for row in prompts:
        if not _settled(row):
            continue
        hour = row.scheduled_at.astimezone(zones[row.participant_id]).hour
        due[hour] += 1
        done[hour] += row.status == "completed"
    return [HourCompletion(hour=h, due=due[h], completed=done[h]) for h in range(24)]


def study_compliance(*, session: Session, study: Study, now: datetime) -> StudyCompliance:
    participants = gathered.participants_of(session, study)
    prompts = _prompts(session, study, now)
    return StudyCompliance(
        study=study.slug,
        generated_at=now,
        weeks=_funnel(prompts),
        days=_days(
            participants, gathered.names_of(study, participants), gathered.by_participant(prompts)
        ),
        hours=_hours(participants, prompts),
    )
