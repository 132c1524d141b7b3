"""Content shaped for one mother: her language, her audience, her week."""

from savor.content_schema import Localized
from savor.practices.catalog import StudyCatalog
from savor.practices.content import Practice
from savor.practices.program import ProgramWeek
from savor.practices.schemas import (
    AudioView,
    OptionView,
    PracticeDetail,
    PracticeSummary,
    StepView,
    VariantSummary,
    VariantView,
    WeekView,
)


def _say(text: Localized, language: str) -> str:
    return text.es if language == "es" else text.en


def _variants(practice: Practice) -> list[VariantSummary]:
    return [
        VariantSummary(key=v.key, duration_s=v.duration_s, default=v.default)
        for v in practice.variants
    ]


def practice_summary(
    practice: Practice, *, language: str, unlock_week: int | None, week: int
) -> PracticeSummary:
    return PracticeSummary(
        id=practice.id,
        slug=practice.slug,
        version=practice.version,
        title=_say(practice.title, language),
        summary=_say(practice.summary, language),
        component=practice.component,
        audience=list(practice.audience),
        tags=practice.tags,
        variants=_variants(practice),
        unlocked=unlock_week is not None and unlock_week <= week,
        unlock_week=unlock_week,
    )


def _audio(catalog: StudyCatalog, study: str, practice: Practice, variant: str) -> list[AudioView]:
    # Recordings in both languages are listed; the player picks hers and falls back to voice.
    found = []
    for language in ("en", "es"):
        file = catalog.audio.get((practice.id, variant, language))
        if file:
            found.append(AudioView(language=language, url=f"/api/v1/audio/{study}/{file}"))
    return found


def practice_detail(
    practice: Practice,
    *,
    catalog: StudyCatalog,
    study: str,
    language: str,
    unlock_week: int | None,
    week: int,
) -> PracticeDetail:
    variants = []
    for variant in practice.variants:
        steps = [
            StepView(
                n=s.n,
                key=s.key,
                seconds=s.seconds,
                open=s.open,
                text=_say(s.text, language),
                alt={k: _say(v, language) for k, v in s.alt.items()},
            )
            for s in practice.steps_for(variant.key)
        ]
        variants.append(
            VariantView(
                key=variant.key,
                duration_s=variant.duration_s,
                default=variant.default,
                sleep=variant.sleep,
                steps=steps,
                audio=_audio(catalog, study, practice, variant.key),
            )
        )
    return PracticeDetail(
        id=practice.id,
        slug=practice.slug,
        version=practice.version,
        language=language,
        title=_say(practice.title, language),
        summary=_say(practice.summary, language),
        before_start=_say(practice.before_start, language) if practice.before_start else None,
        component=practice.component,
        audience=list(practice.audience),
        tags=practice.tags,
        anchors=list(practice.trauma_options.anchors),
        eyes_open_ok=practice.trauma_options.eyes_open_ok,
        options=[OptionView(key=o.key, label=_say(o.label, language)) for o in practice.options],
        ema_pre=practice.ema.pre,
        ema_post=practice.ema.post,
        timer=practice.timer.model_dump() if practice.timer else None,
        unlocked=unlock_week is not None and unlock_week <= week,
        unlock_week=unlock_week,
        variants=variants,
    )


def week_view(
    week: ProgramWeek, *, catalog: StudyCatalog, stage: str | None, language: str, current: int
) -> WeekView:
    def ids(refs: list) -> list[str]:
        return [
            r.id
            for r in refs
            if r.id in catalog.practices
            and (r.audience == "all" or stage is None or r.audience == stage)
        ]

    return WeekView(
        number=week.number,
        maintenance=week.maintenance,
        theme=_say(week.theme, language),
        lesson=_say(week.lesson, language),
        daily_goal=_say(week.daily_goal, language),
        practice_days_goal=week.practice_days_goal,
        daily_minutes_goal=week.daily_minutes_goal,
        unlocks=ids(week.unlocks),
        core=ids(week.core),
        brief=ids(week.brief),
        reached=week.number <= current,
    )
