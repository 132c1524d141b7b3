"""The practice scripts and the program: complete, exact, safe and plain, in both languages."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from savor.content_loader import ContentError
from savor.content_schema import Localized
from savor.practices import content, shipped
from savor.practices.content import Practice
from savor.practices.program import Program, load_program

PRACTICE_DIR = content.CONTENT_DIR / "practices"
PROGRAM_FILE = content.CONTENT_DIR / "program.yaml"
EXPECTED_IDS = sorted({f"P{n:02d}" for n in range(1, 13)} | {"T01"})
SAFE_SLEEP = Localized(
    en="If you feel drowsy, place your baby on their back in their own safe sleep space.",
    es="Si sientes sueño, acuesta a tu bebé boca arriba en su propio espacio seguro para dormir.",
)
# The variant lengths (minutes) and the ★ open segments of CONTENT.md's catalog.
DURATIONS = {
    "P01": (10, {3, 5, 10, 15}), "P02": (15, {10, 15, 20}), "P03": (3, {1, 3}),
    "P04": (10, {5, 10}), "P05": (5, {3, 5, 10}), "P06": (12, {8, 12}), "P07": (8, {5, 8}),
    "P08": (10, {5, 10, 15}), "P09": (5, {3, 5, 10}), "P10": (8, {5, 8}),
    "P11": (10, {5, 10, 15}), "P12": (12, {8, 12}), "T01": (5, {3, 5, 10, 15, 20}),
}  # fmt: skip
OPEN_STEPS = {"P01": [6], "P02": [8], "P04": [8], "P08": [7], "P09": [6], "P10": [6],
              "P11": [7], "T01": [2]}  # fmt: skip
MEDICATION = re.compile(
    r"\b(medication|medicine|dose|doses|dosage|methadone|buprenorphine|suboxone|naltrexone|moud"
    r"|treatment|medicamento|medicina|dosis|metadona|buprenorfina|tratamiento)\b",
    re.IGNORECASE,
)
CHANGE = re.compile(
    r"\b(taper|reduc|lower|cut|stop|skip|chang|quit|decreas|miss|wean|come off|baj|dej|cambi"
    r"|suspend|disminu|quit|interrump|salt)\w*",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def practices() -> dict[str, Practice]:
    return content.load_practices()


@pytest.fixture(scope="module")
def program(practices: dict[str, Practice]) -> Program:
    return load_program(practices)


def _raw(path: Path) -> Any:
    return yaml.safe_load(path.read_text("utf-8"))


def _write(directory: Path, data: dict[str, Any], name: str | None = None) -> Path:
    path = directory / f"{name or data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def _texts(practice: Practice) -> list[Localized]:
    texts = [practice.title, practice.summary, *[o.label for o in practice.options]]
    texts += [practice.before_start] if practice.before_start else []
    for variant in practice.variants:
        for step in practice.steps_for(variant.key):
            texts += [step.text, *step.alt.values()]
    return texts


def _program_texts(program: Program) -> list[Localized]:
    return [t for w in program.weeks for t in (w.theme, w.lesson, w.daily_goal)]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def _gives_medication_advice(text: str) -> bool:
    return any(MEDICATION.search(s) and CHANGE.search(s) for s in _sentences(text))


def test_every_practice_in_the_catalog_loads(practices: dict[str, Practice]) -> None:
    assert sorted(practices) == EXPECTED_IDS
    assert all(isinstance(p, Practice) for p in practices.values())


def test_practice_ids_and_slugs_are_unique(practices: dict[str, Practice]) -> None:
    assert len({p.id for p in practices.values()}) == len(list(PRACTICE_DIR.glob("*.yaml")))
    assert len({p.slug for p in practices.values()}) == len(practices)


def test_a_copied_file_that_keeps_its_id_is_rejected(tmp_path: Path) -> None:
    _write(tmp_path, _raw(PRACTICE_DIR / "P01.yaml"))
    _write(tmp_path, _raw(PRACTICE_DIR / "P01.yaml"), name="P02")
    with pytest.raises(ContentError, match=r"P02\.yaml: holds practice P01, expected P02"):
        content.load_practices(tmp_path)


def test_a_reused_slug_is_rejected(tmp_path: Path) -> None:
    _write(tmp_path, _raw(PRACTICE_DIR / "P01.yaml"))
    _write(tmp_path, _raw(PRACTICE_DIR / "P02.yaml") | {"slug": "mindful-breathing"})
    with pytest.raises(ContentError, match="slug mindful-breathing is already used by P01"):
        content.load_practices(tmp_path)


def test_every_step_has_english_and_spanish_text(practices: dict[str, Practice]) -> None:
    for practice in practices.values():
        for variant in practice.variants:
            for step in practice.steps_for(variant.key):
                for text in (step.text, *step.alt.values()):
                    assert text.en.strip(), (practice.id, variant.key, step.n)
                    assert text.es.strip(), (practice.id, variant.key, step.n)


def test_a_missing_translation_is_rejected() -> None:
    with pytest.raises(ValidationError):
        Localized(en="Breathe.", es="   ")


def test_every_variant_adds_up_exactly(practices: dict[str, Practice]) -> None:
    for practice in practices.values():
        for variant in practice.variants:
            assert sum(s.seconds for s in variant.steps) == variant.duration_s
            assert sum(s.seconds for s in practice.steps_for(variant.key)) == variant.duration_s


def test_every_practice_has_exactly_one_default_variant(practices: dict[str, Practice]) -> None:
    for practice in practices.values():
        assert [v.default for v in practice.variants].count(True) == 1, practice.id


def test_variant_lengths_match_the_catalog(practices: dict[str, Practice]) -> None:
    for pid, (default_min, lengths) in DURATIONS.items():
        practice = practices[pid]
        assert practice.default_variant.duration_s == default_min * 60, pid
        assert {v.duration_s // 60 for v in practice.variants} == lengths, pid


def test_open_practice_segments_are_marked(practices: dict[str, Practice]) -> None:
    for practice in practices.values():
        marked = [s.n for s in practice.steps_for() if s.open]
        assert marked == OPEN_STEPS.get(practice.id, []), practice.id


def test_shorter_variants_inherit_the_default_script(practices: dict[str, Practice]) -> None:
    breathing_break = practices["P03"]
    short, full = breathing_break.steps_for("1min"), breathing_break.steps_for()
    assert [s.seconds for s in short] == [20, 20, 20]
    assert [(s.key, s.text) for s in short] == [(s.key, s.text) for s in full]


def test_steps_without_time_are_left_out(practices: dict[str, Practice]) -> None:
    assert [s.n for s in practices["P01"].steps_for("3min")] == [1, 2, 3, 4, 5, 8]


def test_the_sleep_ending_replaces_the_sit_up_cue(practices: dict[str, Practice]) -> None:
    body_scan = practices["P02"]
    last = body_scan.steps_for("15min-sleep")[-1]
    assert body_scan.variant("15min-sleep").sleep
    assert last.open and "sit up" not in last.text.en
    assert last.text.en != body_scan.steps_for()[-1].text.en


def test_every_practice_begins_with_the_choice_line(practices: dict[str, Practice]) -> None:
    for practice in practices.values():
        first = practice.steps_for()[0]
        for text in (first.text, *first.alt.values()):
            assert "You can stop at any time." in text.en, practice.id
            assert "Puedes parar en cualquier momento." in text.es, practice.id
            assert "eyes" in text.en and "anchor" in text.en, practice.id
            assert "ojos" in text.es and "ancla" in text.es, practice.id


def test_infant_practices_say_the_safe_sleep_line(practices: dict[str, Practice]) -> None:
    infant = [p for p in practices.values() if "infant" in p.tags]
    assert {"P05", "P09"} <= {p.id for p in infant}
    for practice in infant:
        for variant in practice.variants:
            steps = practice.steps_for(variant.key)
            assert SAFE_SLEEP.en in " ".join(s.text.en for s in steps), practice.id
            assert SAFE_SLEEP.es in " ".join(s.text.es for s in steps), practice.id


def test_pregnancy_practices_offer_side_lying(practices: dict[str, Practice]) -> None:
    for pid in ("P02", "P10"):
        first = practices[pid].steps_for()[0].text
        assert "on your side" in first.en and "de lado" in first.es, pid


def test_p10_is_not_a_kick_count_and_can_be_skipped(practices: dict[str, Practice]) -> None:
    pregnancy = practices["P10"]
    assert pregnancy.before_start is not None
    assert "not a kick count" in pregnancy.before_start.en
    assert "loss" in pregnancy.before_start.en and "skip" in pregnancy.before_start.en
    assert "pérdida" in pregnancy.before_start.es
    steps = pregnancy.steps_for()
    assert any("This is not a kick count." in s.text.en for s in steps)
    assert any("no es un conteo de patadas" in s.text.es for s in steps)


def test_p09_offers_the_apart_from_my_baby_option(practices: dict[str, Practice]) -> None:
    baby = practices["P09"]
    apart = next(o for o in baby.options if o.key == "apart")
    assert "photo" in apart.label.en and "recording" in apart.label.en
    assert "memory" in apart.label.en and "recuerdo" in apart.label.es
    alt = [s.text_for("apart") for s in baby.steps_for() if "apart" in s.alt]
    assert len(alt) >= 5
    assert SAFE_SLEEP.en not in alt[0].en, "no baby in arms when apart"
    assert any("recording" in t.en for t in alt) and any("grabación" in t.es for t in alt)


def test_savoring_practices_say_it_is_okay_if_little_comes_up(
    practices: dict[str, Practice],
) -> None:
    for practice in (p for p in practices.values() if p.component == "savoring"):
        steps = practice.steps_for()
        assert any("comes up" in s.text.en for s in steps), practice.id
        assert any("no surge mucho" in s.text.es for s in steps), practice.id


def test_the_medication_check_catches_advice() -> None:
    assert _gives_medication_advice("You could lower your dose a little.")
    assert _gives_medication_advice("Puedes dejar tu medicamento.")
    assert not _gives_medication_advice("This adds to your treatment. You can stop at any time.")


def test_no_text_advises_changing_medication(
    practices: dict[str, Practice], program: Program
) -> None:
    texts = [t for p in practices.values() for t in _texts(p)] + _program_texts(program)
    for text in texts:
        assert not _gives_medication_advice(text.en), text.en
        assert not _gives_medication_advice(text.es), text.es


def test_no_text_asks_to_hold_the_breath(practices: dict[str, Practice]) -> None:
    for text in (t for p in practices.values() for t in _texts(p)):
        assert not re.search(r"hold (your|the) breath", text.en, re.IGNORECASE), text.en
        assert not re.search(r"(cont[eé]n|aguanta|ret[eé]n)\w* (la respiración|el aire)", text.es)


def test_check_ins_match_the_kind_of_practice(practices: dict[str, Practice]) -> None:
    for practice in practices.values():
        assert "post_practice" in practice.ema.post, practice.id
        savoring = "post_practice_savoring" in practice.ema.post
        assert savoring == (practice.component == "savoring"), practice.id
    assert "post_practice_craving" in practices["P04"].ema.post
    assert all(p.ema.pre == ["pre_practice"] for p in practices.values() if p.id != "T01")


def test_quiet_timer_offers_presets_and_interval_bells(practices: dict[str, Practice]) -> None:
    timer = practices["T01"]
    assert timer.timer is not None and timer.timer.interval_bell_min == [0, 1, 2, 5]
    assert set(timer.trauma_options.anchors) == {"breath", "sounds", "hands", "feet"}
    assert all(len(v.steps) == 3 for v in timer.variants)


@pytest.mark.parametrize("practice_id", EXPECTED_IDS)
def test_english_reads_at_grade_six_or_lower(
    practices: dict[str, Practice], practice_id: str
) -> None:
    import textstat

    steps = practices[practice_id].steps_for()
    english = " ".join([s.text.en for s in steps] + [t.en for s in steps for t in s.alt.values()])
    try:
        grade = textstat.flesch_kincaid_grade(english)
    except LookupError:
        # textstat 0.7.9+ downloads NLTK's cmudict at run time, which fails offline.
        pytest.fail("install textstat>=0.7.5,<0.7.9: those ship their syllable dictionary")
    assert grade <= 6


def test_version_is_stable_across_loads(practices: dict[str, Practice]) -> None:
    again = content.load_practices()
    for pid, practice in practices.items():
        assert re.fullmatch(r"[0-9a-f]{12}", practice.version)
        assert again[pid].version == practice.version


def test_a_dumped_practice_reads_back_with_the_same_version(
    practices: dict[str, Practice],
) -> None:
    for practice in practices.values():
        assert Practice.model_validate(practice.model_dump()).version == practice.version


def test_version_changes_when_a_text_changes(practices: dict[str, Practice]) -> None:
    original = practices["P03"]
    data = original.model_dump(exclude={"version"})
    assert Practice.model_validate(data).version == original.version
    data["variants"][0]["steps"][1]["text"]["es"] += " Sin prisa."
    assert Practice.model_validate(data).version != original.version


def test_version_changes_when_a_timing_changes(practices: dict[str, Practice]) -> None:
    original = practices["P03"]
    data = original.model_dump(exclude={"version"})
    data["variants"][0]["steps"][0]["seconds"] -= 5
    data["variants"][0]["steps"][1]["seconds"] += 5
    assert Practice.model_validate(data).version != original.version


def test_a_wrong_sum_names_the_practice_and_variant(tmp_path: Path) -> None:
    data = _raw(PRACTICE_DIR / "P01.yaml")
    data["variants"][2]["steps"][0]["seconds"] += 10
    _write(tmp_path, data)
    with pytest.raises(ContentError) as caught:
        content.load_practices(tmp_path)
    assert "P01.yaml" in str(caught.value)
    assert "P01 variant 5min: step seconds add up to 310, not duration_s 300" in str(caught.value)


def test_a_second_default_variant_is_rejected(tmp_path: Path) -> None:
    data = _raw(PRACTICE_DIR / "P03.yaml")
    data["variants"][1]["default"] = True
    _write(tmp_path, data)
    with pytest.raises(ContentError, match="P03: needs exactly one default variant, found 3min, 1"):
        content.load_practices(tmp_path)


def test_steps_out_of_order_are_rejected(tmp_path: Path) -> None:
    data = _raw(PRACTICE_DIR / "P03.yaml")
    data["variants"][1]["steps"][2]["n"] = 4
    _write(tmp_path, data)
    with pytest.raises(ContentError, match=r"P03 variant 1min: steps must be numbered 1\.\.3"):
        content.load_practices(tmp_path)


def test_program_references_point_to_existing_practices(
    practices: dict[str, Practice], program: Program
) -> None:
    refs = [r for w in program.weeks for r in (*w.unlocks, *w.core, *w.brief)]
    assert refs and all(ref.id in practices for ref in refs)
    assert {r.id for w in program.weeks for r in w.unlocks} == set(practices)


def test_a_missing_practice_in_the_program_is_rejected(
    tmp_path: Path, practices: dict[str, Practice]
) -> None:
    data = _raw(PROGRAM_FILE)
    data["weeks"][1]["unlocks"].append("P99")
    path = tmp_path / "program.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(ContentError, match="program week 2 unlocks P99: no such practice"):
        load_program(practices, path)


def test_week_one_unlocks_the_first_practices(program: Program) -> None:
    assert [r.id for r in program.week(1).unlocks] == ["P01", "P02", "P03", "T01"]
    assert program.unlocked(1, "postpartum") == ["P01", "P02", "P03", "T01"]


def test_savoring_weeks_offer_p09_after_birth_and_p10_in_pregnancy(program: Program) -> None:
    for number in (4, 8):
        week = program.week(number)
        assert "P09" in week.core_for("postpartum") and "P10" not in week.core_for("postpartum")
        assert "P10" in week.core_for("pregnant") and "P09" not in week.core_for("pregnant")
    assert "P10" in program.unlocked(4, "pregnant") and "P09" not in program.unlocked(4, "pregnant")


def test_practices_stay_unlocked_into_maintenance(
    practices: dict[str, Practice], program: Program
) -> None:
    assert program.week(30).maintenance and program.week(30).number == 9
    assert set(program.unlocked(30, "postpartum")) == set(practices) - {"P10"}
    assert set(program.unlocked(1, "pregnant")) <= set(program.unlocked(5, "pregnant"))


def test_each_week_has_a_short_lesson_and_goals(program: Program) -> None:
    assert [w.number for w in program.weeks] == list(range(1, 10))
    for week in program.weeks:
        assert 4 <= len(_sentences(week.lesson.en)) <= 8, week.number
        assert 4 <= len(_sentences(week.lesson.es)) <= 8, week.number
        assert 0 < week.practice_days_goal <= 7 and week.daily_minutes_goal > 0


def test_default_catalog_is_read_once() -> None:
    assert shipped.default_catalog() is shipped.default_catalog()
    assert shipped.default_catalog().program.week(1).number == 1


def test_every_broken_practice_file_is_reported_at_once(tmp_path: Path) -> None:
    first, second = _raw(PRACTICE_DIR / "P01.yaml"), _raw(PRACTICE_DIR / "P03.yaml")
    first["variants"][0]["steps"][0]["seconds"] = -1
    del second["title"]["es"]
    _write(tmp_path, first)
    _write(tmp_path, second)

    with pytest.raises(ContentError) as caught:
        content.load_practices(tmp_path)

    assert caught.value.problems == [
        "P01.yaml: variants[0].steps[0].seconds: Input should be greater than or equal to 0",
        "P03.yaml: title.es: Field required",
    ]
