"""The study protocol: a versioned YAML document, validated with one clear message per mistake."""

import json
from datetime import time
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from savor import content_loader
from savor.content_loader import ContentError
from savor.content_schema import Audience, Frozen, Localized
from savor.errors import AppError
from savor.studies.decision_rules import Decisions
from savor.urls import link_url_problem

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$"
LANGUAGES = ("en", "es")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ALL_DAYS: list[Weekday] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# The default protocol is 3 KB; every phone downloads the protocol with the help page.
MAX_DOCUMENT_BYTES = 256 * 1024


class ProtocolError(ContentError):
    """A protocol that cannot be used; `problems` holds one readable line per mistake, worded
    as the API has always answered them."""


def refused(
    problems: list[str], *, code: str = "invalid_protocol", field: str = "protocol"
) -> AppError:
    """The 422 that answers a protocol with these problems, one field entry for each."""
    return AppError(
        422,
        code,
        f"The protocol has {len(problems)} problem(s): {'; '.join(problems)}",
        fields=[{"field": field, "message": p} for p in problems],
    )


AUDIO_FILE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.(mp3|m4a|aac|ogg|opus|wav)$"


class AudioAttachment(Frozen):
    """A recording for one variant; the file lives in DATA_DIR/audio/STUDY/."""

    practice: str
    variant: str
    language: Literal["en", "es"]
    file: str = Field(pattern=AUDIO_FILE_PATTERN)


class ExtraPractice(Frozen):
    """A study's own practice, in the same shape as the shipped ones."""

    unlock_week: int = Field(ge=1, le=52)
    practice: dict[str, Any]


class ProgramSettings(Frozen):
    """The protocol's say over the practice program: its length, what is hidden or added."""

    weeks: int = Field(default=8, ge=1, le=52)
    hidden_practices: list[str] = Field(default_factory=list)
    audio: list[AudioAttachment] = Field(default_factory=list)
    extra_practices: list[ExtraPractice] = Field(default_factory=list)


class Schedule(Frozen):
    id: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    kind: Literal["random", "fixed", "end_of_day"]
    instrument: str = Field(min_length=1)
    per_day: int = Field(default=1, ge=1, le=12)
    min_spacing_minutes: int = Field(default=120, ge=0, le=720)
    times: list[time] = Field(default_factory=list)
    minutes_before_sleep: int = Field(default=60, ge=0, le=360)
    days: list[Weekday] = Field(default_factory=lambda: list(ALL_DAYS))
    program_days: tuple[int, int] | None = None
    expires_minutes: int = Field(default=45, ge=5, le=24 * 60)
    reminder_minutes: int | None = Field(default=15, ge=1, le=24 * 60)

    @model_validator(mode="after")
    def _consistent(self) -> "Schedule":
        if self.kind == "fixed" and not self.times:
            raise ValueError("a fixed schedule needs at least one entry in 'times'")
        if self.kind != "fixed" and self.times:
            raise ValueError("'times' only applies to a fixed schedule")
        if self.reminder_minutes is not None and self.reminder_minutes >= self.expires_minutes:
            raise ValueError("'reminder_minutes' must come before 'expires_minutes'")
        if not self.days:
            raise ValueError("'days' must name at least one weekday")
        if self.program_days and not 1 <= self.program_days[0] <= self.program_days[1]:
            raise ValueError("'program_days' must be [first, last] with 1 <= first <= last")
        return self


class Wave(Frozen):
    """A questionnaire asked once, at a set time after she joins: baseline, week 4, week 8...

    It opens on `day` after her enrollment day (0 is that day) or on the first day of her
    `program_week`, at `at` on her clock (moved inside her waking hours), stays open for
    `open_days` days, reminds her `reminder_days` days after it opened, and is missed when it
    closes unanswered.
    """

    id: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    instrument: str = Field(min_length=1)
    day: int | None = Field(default=None, ge=0, le=730)
    program_week: int | None = Field(default=None, ge=1, le=104)
    at: time = time(10, 0)
    open_days: int = Field(default=7, ge=1, le=60)
    reminder_days: list[int] = Field(default_factory=list, max_length=10)
    audience: Audience = "all"

    @model_validator(mode="after")
    def _consistent(self) -> "Wave":
        if (self.day is None) == (self.program_week is None):
            raise ValueError("a wave needs exactly one of 'day' or 'program_week'")
        if any(not 1 <= d < self.open_days for d in self.reminder_days):
            raise ValueError(
                f"'reminder_days' must fall inside the window: from 1 to {self.open_days - 1}"
            )
        if self.reminder_days != sorted(set(self.reminder_days)):
            raise ValueError("'reminder_days' must be in increasing order, each once")
        return self

    @property
    def opening_day(self) -> int:
        """Days after her enrollment day on which it opens."""
        return self.day if self.day is not None else 7 * ((self.program_week or 1) - 1)


class Features(Frozen):
    sensitive_use_item: bool = False
    medication_item: bool = False
    free_text_to_server: bool = False
    date_shift_exports: bool = False
    # A coordinator is alerted when an answer crosses a crisis threshold; participants are told
    # at enrollment when a study turns this on.
    staff_alerts: bool = False
    # Craving or stress at or above this offers the 3-minute breathing break right away.
    high_rating_threshold: int = Field(default=7, ge=0, le=10)


class CrisisResource(Frozen):
    id: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    name: Localized
    description: Localized | None = None
    phone: str | None = Field(default=None, pattern=r"^[0-9+() -]{3,20}$")
    sms: str | None = Field(default=None, pattern=r"^[0-9+() -]{3,20}$")
    url: str | None = Field(default=None, pattern=r"^https://")

    @field_validator("url")
    @classmethod
    def _well_formed(cls, value: str | None) -> str | None:
        # Shown to her as a link: a malformed address would be a dead end in a crisis.
        if value is not None and (problem := link_url_problem(value)) is not None:
            raise ValueError(f"the url {problem}")
        return value

    @model_validator(mode="after")
    def _reachable(self) -> "CrisisResource":
        if not (self.phone or self.sms or self.url):
            raise ValueError("a crisis resource needs a phone, sms or url")
        return self


class StudyConsent(Frozen):
    """The consent she reads and agrees to: a new `version` asks everyone to agree again.

    `key_facts` come first, on their own, in large type (who sees her answers, whether anyone
    watches them in real time, that she can stop at any time, what happens to her data when
    she leaves); the app adds whether staff alerts are on. `document` is the full text, plain
    paragraphs separated by a blank line. `on_deletion` is what her deletion request removes:
    `everything`, or `keep_until_withdrawal` (what was collected until she left is kept).
    """

    version: int = Field(ge=1, le=10_000)
    key_facts: Annotated[list[Localized], Field(min_length=1, max_length=12)]
    document: Localized
    on_deletion: Literal["everything", "keep_until_withdrawal"] = "everything"


class ProtocolDocument(Frozen):
    study: str = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    languages: list[Literal["en", "es"]] = Field(default_factory=lambda: list(LANGUAGES))
    enrollment_code_days: int = Field(default=30, ge=1, le=365)
    program: ProgramSettings = ProgramSettings()
    instruments: list[str] = Field(default_factory=list)
    # A study's own instruments (e.g. a questionnaire whose licence it holds), each in the
    # same shape as a shipped instrument file; ema.study_instruments checks them.
    extra_instruments: list[dict[str, Any]] = Field(default_factory=list, max_length=20)
    schedules: list[Schedule] = Field(default_factory=list)
    # Questionnaires asked once each at set times (see Wave); after the schedules' prompts.
    waves: list[Wave] = Field(default_factory=list)
    features: Features = Features()
    contact: Localized
    crisis_resources: Annotated[list[CrisisResource], Field(min_length=1)]
    # Absent in protocols written before consent was versioned: the default protocol's applies.
    consent: StudyConsent | None = None
    # A micro-randomized trial of offers (studies/decision_rules.py); none when left out.
    decisions: Decisions | None = None

    @field_validator("schedules")
    @classmethod
    def _unique_schedule_ids(cls, schedules: list[Schedule]) -> list[Schedule]:
        ids = [s.id for s in schedules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"schedule ids must be unique; repeated: {', '.join(duplicates)}")
        return schedules

    @model_validator(mode="after")
    def _unique_wave_ids(self) -> "ProtocolDocument":
        # Waves and schedules share the prompt's schedule id.
        ids = [s.id for s in self.schedules] + [w.id for w in self.waves]
        if duplicates := sorted({w.id for w in self.waves if ids.count(w.id) > 1}):
            raise ValueError(f"schedule and wave ids must be unique; repeated: {duplicates}")
        return self

    @model_validator(mode="after")
    def _instruments_declared(self) -> "ProtocolDocument":
        used = {s.instrument for s in self.schedules} | {w.instrument for w in self.waves}
        missing = sorted(used - set(self.instruments))
        if missing:
            raise ValueError(
                f"schedules or waves use instruments not listed in 'instruments': {missing}"
            )
        if self.decisions is not None:
            unlisted = sorted(self.decisions.instruments_used() - set(self.instruments))
            if unlisted:
                raise ValueError(
                    f"decisions use instruments not listed in 'instruments': {unlisted}"
                )
        return self


def parse_protocol(source: str) -> ProtocolDocument:
    """Parse and validate YAML text; raise ProtocolError listing every mistake found."""
    try:
        data = content_loader.read_yaml(source)
    except ContentError as exc:
        # "the protocol is not valid YAML at ...", "the protocol uses a YAML anchor ..."
        raise ProtocolError([f"the protocol {_verb(p.message)}" for p in exc.found]) from exc
    if not isinstance(data, dict):
        raise ProtocolError(["the protocol must be a YAML mapping (key: value lines)"])
    size = len(json.dumps(data, default=str))
    if size > MAX_DOCUMENT_BYTES:
        raise ProtocolError(
            [
                f"the protocol is {size // 1024} KB once read, more than the "
                f"{MAX_DOCUMENT_BYTES // 1024} KB allowed; shorten it"
            ]
        )
    try:
        return content_loader.validate(ProtocolDocument, data)
    except ContentError as exc:
        raise ProtocolError([f"{p.place or 'protocol'}: {p.message}" for p in exc.found]) from exc


def _verb(message: str) -> str:
    return f"is {message}" if message.startswith("not valid YAML") else message
