"""A wave's later reminders: once one has gone out, the next one of the window is set.

The notify domain sends a prompt's `remind_at` (while she has not sent it), stamps
`reminded_at` (the last reminder) and counts it; for a wave with several reminder days this
job, run with planning, sets the next reminder's time after the last one sent, so the same
sender sends it in turn and every reminder stays counted.
"""

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from savor.ema.models import Prompt
from savor.ema.waves import WAVE_KIND, next_reminder
from savor.studies.models import Participant, Study
from savor.studies.protocol import ProtocolDocument

# Reminder days are whole days apart, so the next reminder comes at least this long after the
# last one. It keeps her zone from sending one reminder twice: after a move west, the same
# reminder day falls hours later in UTC than when it went out. (A move of more than 12 hours
# between two reminders may still repeat or skip one.)
MIN_GAP = timedelta(hours=12)


def rearm_reminders(
    *, session: Session, study: Study, document: ProtocolDocument, now: datetime
) -> int:
    """Sets the next reminder of every open wave whose last reminder went out; returns how many."""
    waves = {wave.id: wave for wave in document.waves}
    if not waves:
        return 0
    rows = session.exec(
        select(Prompt, Participant)
        .join(Participant, col(Participant.id) == col(Prompt.participant_id))
        .where(col(Participant.study_id) == study.id)
        .where(col(Prompt.kind) == WAVE_KIND)
        .where(col(Prompt.status).in_(("sent", "opened")))
        .where(col(Prompt.reminded_at).is_not(None))
        # The reminder set has gone out (one set later is still waiting for its time).
        .where(col(Prompt.remind_at).is_(None) | (col(Prompt.reminded_at) >= col(Prompt.remind_at)))
        .where(col(Prompt.expires_at) > now)
    ).all()
    rearmed = 0
    for prompt, her in rows:
        wave = waves.get(prompt.schedule_id)
        if wave is None or prompt.reminded_at is None:
            continue
        later = next_reminder(
            wave,
            prompt.local_date,
            after=max(prompt.reminded_at + MIN_GAP, prompt.remind_at or prompt.reminded_at),
            closes=prompt.expires_at,
            tz=her.timezone,
            wake=her.wake_time,
            sleep=her.sleep_time,
        )
        if later is None:
            continue
        # Conditional on the stamp read, so a reminder sent meanwhile is not passed over.
        result = session.execute(
            update(Prompt)
            .where(col(Prompt.id) == prompt.id)
            .where(col(Prompt.reminded_at) == prompt.reminded_at)
            .values(remind_at=later)
        )
        rearmed += result.rowcount  # type: ignore[attr-defined]
    session.commit()
    return rearmed
