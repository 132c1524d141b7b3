"""What a rehearsal tells a study team, from the real exports: the burden on participants
(prompts a day, minutes of practice), expected completion, data volume, protocol warnings and
the invariants. `build` makes report.json; `html` (report_html.py) the page for an IRB."""

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from itertools import pairwise
from statistics import mean, median
from typing import Any

from savor.clock import time_zone
from savor.practices.shipped import default_catalog
from savor.rehearsal import report_decisions, report_reconsent
from savor.rehearsal.report_html import html  # noqa: F401  (the page, for run.py)
from savor.rehearsal.world import World, at
from savor.studies.protocol import parse_protocol

SHOWN_PROBLEMS = 20  # per invariant in the report; the count is always whole


def _week(options: Any, moment: datetime | None) -> int | None:
    if moment is None:
        return None
    return (moment - options.start) // timedelta(weeks=1) + 1


def partial_days(world: World) -> set[tuple[str, str]]:
    """Her enrollment day, the day she left and the run's last day: not whole study days."""
    partial: set[tuple[str, str]] = set()
    for row in world.final["participants"].values():
        end = world.end.astimezone(time_zone(row["timezone"])).date().isoformat()
        for day in (row.get("enrolled_at_local"), row.get("withdrawn_at_local"), end):
            if day:
                partial.add((row["pseudonym"], day[:10]))
    return partial


def prompt_burden(world: World) -> dict[str, Any]:
    """Prompts sent per participant per whole day of hers in the study."""
    per_day: Counter[tuple[str, str]] = Counter()
    by_schedule: Counter[str] = Counter()
    partial = partial_days(world)
    for row in world.final["prompts"].values():
        if row.get("sent_at_utc") and (row["pseudonym"], row["local_date"]) not in partial:
            per_day[(row["pseudonym"], row["local_date"])] += 1
            by_schedule[row["schedule_id"]] += 1
    counts = list(per_day.values())
    return {
        "participant_days": len(counts),
        "mean": round(mean(counts), 2) if counts else 0,
        "max": max(counts, default=0),
        "distribution": dict(sorted(Counter(counts).items())),
        "sent_by_schedule": dict(by_schedule),
    }


def practice_burden(world: World, options: Any) -> dict[str, Any]:
    weeks = default_catalog().program.weeks
    asked = [w.practice_days_goal * w.daily_minutes_goal for w in weeks]
    done: dict[int, list[float]] = defaultdict(list)
    minutes: dict[tuple[str, int], float] = defaultdict(float)
    for row in world.final["practice_sessions"].values():
        week = _week(options, at(row["started_at_utc"]))
        minutes[(row["pseudonym"], week)] += (row.get("seconds_practiced") or 0) / 60  # type: ignore[index]
    people = {row["pseudonym"] for row in world.final["participants"].values()}
    for week in range(1, options.weeks + 1):
        done[week] = [minutes.get((p, week), 0.0) for p in people]
    return {
        "minutes_asked_per_week": {i + 1: m for i, m in enumerate(asked[: options.weeks])},
        "minutes_done_per_week_mean": {w: round(mean(v), 1) if v else 0 for w, v in done.items()},
        "sessions": len(world.final["practice_sessions"]),
    }


def wave_burden(world: World) -> list[dict[str, Any]]:
    """Each questionnaire wave: how many were asked it, answered it, let it expire."""
    waves: dict[str, Counter[str]] = defaultdict(Counter)
    instruments: dict[str, str] = {}
    for row in world.final["prompts"].values():
        if row.get("prompt_kind") == "wave":
            waves[row["schedule_id"]][row["status"]] += 1
            instruments[row["schedule_id"]] = row["instrument_id"]
    filled = wave_filling(world)
    return [
        {
            "wave": wave,
            "instrument": instruments[wave],
            "asked": sum(c.values()),
            **dict(c),
            **filled.get(wave, {}),
        }
        for wave, c in sorted(waves.items())
    ]


def wave_filling(world: World) -> dict[str, dict[str, Any]]:
    """How each wave was filled: in one sitting or two, and how many with a sitting offline
    (her phone knows; the server sees one record); the median days from the wave's push and
    from her opening the form to sending it, and the share of items she declined (from the
    `responses` export)."""
    sittings: dict[str, Counter[int]] = defaultdict(Counter)
    offline: Counter[str] = Counter()
    for phone in world.phones:
        for fill in phone.truth.waves.values():
            if phone.truth.answered.get(fill.prompt_id) is not None:  # sent, and a 2xx came
                sittings[fill.wave][fill.sittings] += 1
                offline[fill.wave] += fill.offline_sitting
    answers: dict[str, list[Any]] = defaultdict(list)
    for row in world.final["responses"].values():
        if row.get("prompt_kind") == "wave":
            answers[row["response_ref"]].append(row)
    to_sent: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    declined: dict[str, Counter[bool]] = defaultdict(Counter)
    for rows in answers.values():
        first, wave = rows[0], rows[0]["schedule_id"]
        submitted = at(first["submitted_at_utc"])
        for since in ("sent_at_utc", "opened_at_utc"):
            began = at(first.get(since))
            if began is not None and submitted is not None:
                to_sent[wave][since].append((submitted - began) / timedelta(days=1))
        declined[wave].update(bool(row.get("declined")) for row in rows)
    found: dict[str, dict[str, Any]] = {}
    for wave in sittings.keys() | {rows[0]["schedule_id"] for rows in answers.values()}:
        days = to_sent.get(wave, {})
        items = declined.get(wave, Counter())
        found[wave] = {
            "one_sitting": sittings[wave][1],
            "two_sittings": sittings[wave][2],
            "a_sitting_offline": offline[wave],
            "median_days_push_to_sent": _median(days.get("sent_at_utc", [])),
            "median_days_opened_to_sent": _median(days.get("opened_at_utc", [])),
            "declined_item_share": round(items[True] / items.total(), 4) if items else None,
        }
    return found


def _median(values: list[float]) -> float | None:
    return round(median(values), 2) if values else None


def completion(world: World, options: Any) -> dict[str, Any]:
    settled: Counter[int] = Counter()
    answered: Counter[int] = Counter()
    for row in world.final["prompts"].values():
        # Waves, and a trial's probes and offers, ask no check-in.
        if row["status"] in ("completed", "expired") and row.get("prompt_kind") not in (
            "wave",
            "probe",
            "offer",
        ):
            week = _week(options, at(row["scheduled_at_utc"]))
            settled[week] += 1  # type: ignore[index]
            answered[week] += row["status"] == "completed"  # type: ignore[index]
    overall = world.compliance["overall"]
    return {
        "rate": overall.get("rate"),
        "rate_with_late": overall.get("rate_with_late"),
        "by_week": {w: round(answered[w] / settled[w], 3) for w in sorted(settled) if settled[w]},
    }


def data_volume(world: World, options: Any, sizes: dict[str, int]) -> dict[str, Any]:
    moments = {
        "responses": "submitted_at_utc",
        "prompts": "scheduled_at_utc",
        "practice_sessions": "started_at_utc",
        "offers": "offered_at_utc",
    }
    rows: dict[str, Counter[int]] = {}
    for dataset, column in moments.items():
        rows[dataset] = Counter(
            _week(options, at(row.get(column))) for row in world.final.get(dataset, {}).values()
        )
    return {
        # Prompts planned past the end (tomorrow's) are not counted.
        "rows_per_week": {
            d: {w: n for w, n in sorted(c.items()) if w and w <= options.weeks}
            for d, c in rows.items()
        },
        "export_bytes": sizes,
    }


def warnings(world: World, protocol: str) -> list[str]:
    """What in the protocol met reality badly: prompts too close (a DST night), empty days."""
    document = parse_protocol(protocol)
    found: list[str] = []
    days: dict[tuple[str, str, str], list[datetime]] = defaultdict(list)
    partial = partial_days(world)
    for row in world.final["prompts"].values():
        if row["status"] != "cancelled" and (row["pseudonym"], row["local_date"]) not in partial:
            days[(row["pseudonym"], row["schedule_id"], row["local_date"])].append(
                at(row["scheduled_at_utc"])  # type: ignore[arg-type]
            )
    for schedule in document.schedules:
        if schedule.kind != "random":
            continue
        spacing = timedelta(minutes=schedule.min_spacing_minutes)
        short = fewer = 0
        for (_, schedule_id, _), moments in days.items():
            if schedule_id != schedule.id:
                continue
            moments.sort()
            short += any(b - a < spacing for a, b in pairwise(moments))
            fewer += len(moments) < schedule.per_day
        if short:
            found.append(
                f"{schedule.id}: {short} participant-day(s) with prompts closer than "
                f"{schedule.min_spacing_minutes} minutes"
            )
        if fewer:
            found.append(
                f"{schedule.id}: {fewer} participant-day(s) with fewer than "
                f"{schedule.per_day} prompts (her waking window too short for the spacing)"
            )
    return found + waves_on_empty_days(world)


def waves_on_empty_days(world: World) -> list[str]:
    """Waves that opened on a whole day of hers on which no check-in schedule ran: a day the
    protocol gives her no waking window (its schedules skip that weekday or program day), so
    the wave is the only thing that reaches her and is easily missed."""
    waves: dict[tuple[str, str], list[str]] = defaultdict(list)
    checked_in: set[tuple[str, str]] = set()
    partial = partial_days(world)
    for row in world.final["prompts"].values():
        day = (row["pseudonym"], row["local_date"])
        if row.get("prompt_kind") == "wave":
            waves[day].append(row["schedule_id"])
        elif row["status"] != "cancelled":
            checked_in.add(day)
    empty: Counter[str] = Counter()
    for day, ids in waves.items():
        if day not in checked_in and day not in partial:
            empty.update(ids)
    return [
        f"{wave}: opened on {n} participant-day(s) with no waking window (no check-in "
        "schedule runs that day)"
        for wave, n in sorted(empty.items())
    ]


def build(
    *,
    options: Any,
    world: World,
    sizes: dict[str, int],
    problems: dict[str, list],
    protocol: str,
    ticks: int,
    pulls: int,
    job_seconds: float = 0.0,
) -> dict[str, Any]:
    phones = world.phones
    return {
        "run": {
            "participants": options.participants,
            "weeks": options.weeks,
            "seed": options.seed,
            "start": options.start.isoformat(),
            "database": "postgresql"
            if (options.database_url or "").startswith("postgres")
            else "sqlite",
            "tick_seconds": options.tick_seconds,
            "ticks": ticks,
            "job_seconds": round(job_seconds, 1),
            "daily_pulls": pulls,
            "phone_requests": sum(p.requests for p in phones),
        },
        "participants": {
            "enrolled": sum(p.truth.enrolled_at is not None for p in phones),
            "withdrew": sum(p.truth.withdrawn_at is not None for p in phones),
            "travelled": sum(len(p.truth.zones) > 1 for p in phones),
        },
        "prompts_per_participant_per_day": prompt_burden(world),
        "practice": practice_burden(world, options),
        "questionnaire_burden_per_wave": wave_burden(world),
        "expected_completion": completion(world, options),
        "data_volume": data_volume(world, options, sizes),
        "protocol_warnings": warnings(world, protocol),
        "decisions": report_decisions.decisions_summary(world),
        "reconsent": report_reconsent.reconsent_uptake(world),
        "invariants": {
            name: {"holds": not found, "violations": len(found), "first": found[:SHOWN_PROBLEMS]}
            for name, found in problems.items()
        },
        "model": options.model.document(),
    }
