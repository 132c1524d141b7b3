"""What the console's screens read from the research API; a script gets the same shapes."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from savor.notify.health import DeviceHealth


class Flag(BaseModel):
    code: str = Field(
        description="notifications_failing, no_checkin_3_days, missed_wave or not_reconsented"
    )
    reason: str = Field(description="why, in a plain sentence a coordinator can act on")


class RosterRow(BaseModel):
    pseudonym: str
    status: str = Field(description="active or withdrawn")
    stage: str | None
    program_week: int
    enrolled_at: datetime
    last_seen_at: datetime | None = Field(
        description="her latest check-in, practice or device contact, UTC; null if none yet"
    )
    notifications: str = Field(description="ok, failing or stopped")
    notifications_reason: str | None
    completion_7d: float | None = Field(
        description="answered on time over settled prompts of the last 7 days, 0-1"
    )
    practice_minutes_7d: int = Field(description="minutes practiced in the last 7 days")
    next_wave: date | None = Field(
        default=None, description="her next questionnaire wave, once waves exist; else null"
    )
    flags: list[Flag]


class FlaggedParticipant(BaseModel):
    pseudonym: str
    flags: list[Flag]


class TodayPublic(BaseModel):
    study: str
    generated_at: datetime
    enrolled_this_week: int = Field(description="joined since Monday 00:00 UTC")
    enrolled_total: int
    active: int
    yesterday_due: int = Field(description="prompts due yesterday (UTC), cancelled left out")
    yesterday_completion: float | None = Field(
        description="of yesterday's settled prompts, answered on time, 0-1; null when none"
    )
    flagged: list[FlaggedParticipant]


class PromptCell(BaseModel):
    local_date: date
    slot: int
    kind: str
    scheduled_at: datetime
    fate: str = Field(
        description="completed, late, opened, delivered, sent, expired (never reached her), "
        "open (not settled yet), scheduled or cancelled"
    )


class DayRatings(BaseModel):
    date: date
    stress: float | None = None
    craving: float | None = None
    positive_affect: float | None = None


class PracticeMark(BaseModel):
    local_date: date
    practice_id: str
    minutes: float
    completed: bool


class ParticipantDetail(BaseModel):
    pseudonym: str
    status: str
    stage: str | None
    program_week: int
    enrolled_at: datetime
    notifications: str
    notifications_reason: str | None
    devices: list[DeviceHealth]
    flags: list[Flag]
    prompts: list[PromptCell]
    ratings: list[DayRatings]
    practice: list[PracticeMark]


class WeekFunnel(BaseModel):
    week_start: date = Field(description="the Monday (UTC) the week began")
    scheduled: int
    sent: int
    delivered: int
    opened: int
    completed: int = Field(description="answered, late answers included")


class StudyDayRow(BaseModel):
    pseudonym: str
    rates: list[float | None] = Field(
        description="by study day from her first (index 0): answered over settled prompts"
    )


class HourCompletion(BaseModel):
    hour: int = Field(description="her local hour the prompt was due, 0-23")
    due: int
    completed: int


class StudyCompliance(BaseModel):
    study: str
    generated_at: datetime
    weeks: list[WeekFunnel]
    days: list[StudyDayRow]
    hours: list[HourCompletion]


class ProtocolProblem(BaseModel):
    line: int | None = Field(description="the line of the YAML it is on, from 1; null: all of it")
    place: str = Field(description="the key path, such as schedules[0].per_day")
    message: str


class DiffLine(BaseModel):
    op: str = Field(description="' ' same, '+' added, '-' removed")
    text: str


class ProtocolCheck(BaseModel):
    valid: bool
    current_version: int
    problems: list[ProtocolProblem]
    diff: list[DiffLine] = Field(description="the YAML against the version in force")
    changes: list[str] = Field(description="what changes for participants, in plain words")


class ProtocolSource(BaseModel):
    version: int
    created_at: datetime
    source: str = Field(description="the YAML exactly as applied")


class LastExport(BaseModel):
    dataset: str
    at: datetime | None = Field(description="when it last finished; null: never exported")
    actor: str | None
    rows: int | None
    next_since: int | None = Field(description="the Savor-Next-Since that export ended with")
