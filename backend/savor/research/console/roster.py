"""The Participants table and the Today screen: one row per participant, and who is flagged."""

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from savor.ema.compliance import compliance
from savor.notify import health as notify_health
from savor.practices import progress
from savor.research.console import facts as gathered
from savor.research.console.flags import Facts, flags_of, next_wave
from savor.research.console.models import FlaggedParticipant, RosterRow, TodayPublic
from savor.studies.models import Participant, Study


def _facts(found: gathered.StudyFacts, waves: gathered.Waves, p: Participant) -> Facts:
    health = found.health.get(p.id, notify_health.STOPPED)
    return Facts(
        active=p.withdrawn_at is None,
        enrolled_at=p.enrolled_at,
        notifications=health.notifications,
        notifications_reason=health.reason,
        last_checkin_at=found.last_checkin.get(p.id),
        missed_wave=waves.missed.get(p.id),
        next_wave_at=waves.next_at.get(p.id),
        consent_needed=p.consent_version != found.consent_version,
    )


def roster(*, session: Session, study: Study, now: datetime) -> list[RosterRow]:
    """Every participant by pseudonym, from seven reads whatever the study's size."""
    found = gathered.gather(session, study, now=now)
    since = gathered.week_ago(now)
    settled = gathered.settled_counts(session, study, since=since, now=now)
    minutes = gathered.practice_minutes(session, study, since=since)
    waves = gathered.waves(session, study, now=now)
    rows = []
    for p in found.participants:
        facts = _facts(found, waves, p)
        done, due = settled.get(p.id, (0, 0))
        rows.append(
            RosterRow(
                pseudonym=found.names[p.id],
                status="active" if facts.active else "withdrawn",
                stage=p.stage,
                program_week=progress.program_week(
                    enrolled_at=p.enrolled_at, timezone=p.timezone, now=now
                ),
                enrolled_at=p.enrolled_at,
                last_seen_at=gathered.last_seen(found, p.id),
                notifications=facts.notifications,
                notifications_reason=facts.notifications_reason,
                completion_7d=round(done / due, 4) if due else None,
                practice_minutes_7d=minutes.get(p.id, 0),
                next_wave=next_wave(facts),
                flags=flags_of(facts, now=now),
            )
        )
    return sorted(rows, key=lambda r: r.pseudonym)


def _monday(now: datetime) -> datetime:
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def today(*, session: Session, study: Study, now: datetime) -> TodayPublic:
    """Who needs the team today, how many joined this week, and how yesterday went."""
    found = gathered.gather(session, study, now=now)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    yesterday = [
        gathered.fate_of(r)
        for r in gathered.prompts_between(session, study, midnight - timedelta(days=1), midnight)
    ]
    report = compliance(yesterday, now=now)
    waves = gathered.waves(session, study, now=now)
    flagged: list[Any] = []
    for p in found.participants:
        flags = flags_of(_facts(found, waves, p), now=now)
        if flags:
            flagged.append(FlaggedParticipant(pseudonym=found.names[p.id], flags=flags))
    monday = _monday(now)
    return TodayPublic(
        study=study.slug,
        generated_at=now,
        enrolled_this_week=sum(p.enrolled_at >= monday for p in found.participants),
        enrolled_total=len(found.participants),
        active=sum(p.withdrawn_at is None for p in found.participants),
        yesterday_due=report.due,
        yesterday_completion=report.rate,
        flagged=sorted(flagged, key=lambda f: f.pseudonym),
    )
