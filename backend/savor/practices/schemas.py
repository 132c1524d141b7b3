"""What the catalog and program routes return, in her language."""

from pydantic import BaseModel


class VariantSummary(BaseModel):
    key: str
    duration_s: int
    default: bool


class PracticeSummary(BaseModel):
    id: str
    slug: str
    version: str
    title: str
    summary: str
    component: str
    audience: list[str]
    tags: list[str]
    variants: list[VariantSummary]
    unlocked: bool
    unlock_week: int | None


class StepView(BaseModel):
    n: int
    key: str
    seconds: int
    open: bool
    text: str
    alt: dict[str, str]


class AudioView(BaseModel):
    language: str
    url: str


class VariantView(VariantSummary):
    sleep: bool
    steps: list[StepView]
    audio: list[AudioView]


class OptionView(BaseModel):
    key: str
    label: str


class PracticeDetail(BaseModel):
    id: str
    slug: str
    version: str
    language: str
    title: str
    summary: str
    before_start: str | None
    component: str
    audience: list[str]
    tags: list[str]
    anchors: list[str]
    eyes_open_ok: bool
    options: list[OptionView]
    ema_pre: list[str]
    ema_post: list[str]
    timer: dict[str, object] | None
    unlocked: bool
    unlock_week: int | None
    variants: list[VariantView]


class WeekProgress(BaseModel):
    practice_days: int
    minutes: int


class WeekView(BaseModel):
    number: int
    maintenance: bool
    theme: str
    lesson: str
    daily_goal: str
    practice_days_goal: int
    daily_minutes_goal: int
    unlocks: list[str]
    core: list[str]
    brief: list[str]
    reached: bool


class ProgramView(BaseModel):
    week: int
    program_day: int
    this_week: WeekView
    progress: WeekProgress
    unlocked: list[str]
    weeks: list[WeekView]
