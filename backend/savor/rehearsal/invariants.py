"""What must hold after every rehearsal, each checked against the phones' own ground truth
and the push service's log, never against the service's word alone. Each check returns the
records that broke it (empty: it holds)."""

from collections import Counter
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from savor.clock import time_zone
from savor.rehearsal.invariants_consent import consents_match
from savor.rehearsal.invariants_scores import scores_match
from savor.rehearsal.invariants_trial import decisions_match
from savor.rehearsal.phone import Phone
from savor.rehearsal.truth import Record
from savor.rehearsal.world import Problems, World, at, ms, pseudonyms

# Each kind of record a phone sends: the dataset that must hold it, its key, and the column
# of the moment her phone gave it. A new kind (a questionnaire wave) adds its line.
RECORDS = {
    "response": ("responses", "response_ref", "submitted_at_utc"),
    "practice": ("practice_sessions", "session_ref", "started_at_utc"),
}
COMPARED = ("sent", "completed", "late", "expired", "open")
# Datasets whose rows gain what followed them (a decision's outcome) without coming again in
# a `since` pull: the README asks for them whole once the last window closed, so the pulls
# must hold every row, not its latest version.
PULLED_WHOLE = ("decisions",)
# Columns the codebook gives "as known when the row was read": a later pull may hold an
# older value (an offer's session_ref: the later session names its offer itself).
AS_READ: dict[str, set[str]] = {"offers": {"session_ref"}}


def _exported(world: World, dataset: str, ref: str, moment: str) -> Counter:
    """How many distinct exported records each (pseudonym, moment) has."""
    seen = {
        (row[ref], row["pseudonym"], ms(at(row[moment]))) for row in world.final[dataset].values()
    }  # type: ignore[arg-type]
    return Counter((pseudonym, moment_) for _, pseudonym, moment_ in seen)


def exactly_once(world: World) -> Problems:
    """Every record a phone got a 2xx for is exported exactly once; nothing else is."""
    names = {id(phone): pseudonym for pseudonym, phone in pseudonyms(world).items()}
    problems: Problems = []
    for kind, (dataset, ref, moment) in RECORDS.items():
        exported = _exported(world, dataset, ref, moment)
        acked: set[tuple[str, datetime]] = set()
        for phone in world.phones:
            pseudonym = names.get(id(phone), f"phone-{phone.number}")
            for record in phone.truth.acked.values():
                if record.kind != kind:
                    continue
                key = (pseudonym, ms(record.moment))
                acked.add(key)
                if exported[key] != 1:
                    problems.append(_record(kind, pseudonym, record, exported[key], "acknowledged"))
            for record in phone.truth.refused:
                key = (pseudonym, ms(record.moment))
                if record.kind == kind and key not in acked and exported[key]:
                    problems.append(_record(kind, pseudonym, record, exported[key], "refused"))
        for (pseudonym, moment_), count in exported.items():
            if (pseudonym, moment_) not in acked:
                problems.append(
                    {
                        "dataset": dataset,
                        "pseudonym": pseudonym,
                        "moment": moment_.isoformat(),
                        "exported": count,
                        "problem": "exported, but no phone got a 2xx for it",
                    }
                )
    return problems


def _record(kind: str, pseudonym: str, record: Record, count: int, fate: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "pseudonym": pseudonym,
        "moment": record.moment.isoformat(),
        "status": record.status,
        "exported": count,
        "problem": f"{fate} record exported {count} time(s)",
    }


def replays_changed_nothing(world: World) -> Problems:
    return [
        {
            "kind": record.kind,
            "moment": record.moment.isoformat(),
            "status": status,
            "problem": "a record sent again did not get its first answer back unchanged",
        }
        for phone in world.phones
        for record, status, same in phone.truth.replays
        if status != 200 or not same
    ]


def pulls_add_up(world: World) -> Problems:
    """The union of the daily `since` pulls is the final full export, row for row."""
    problems: Problems = [
        {"dataset": dataset, "row": row, "problem": "came in two incremental pulls"}
        for dataset, row in world.twice
    ]
    for dataset, final in world.final.items():
        pulled = world.pulled.get(dataset, {})
        for key in final.keys() - pulled.keys():
            problems.append({"dataset": dataset, "key": key, "problem": "in the full export only"})
        for key in pulled.keys() - final.keys():
            problems.append({"dataset": dataset, "key": key, "problem": "in the pulls only"})
        for key in final.keys() & pulled.keys():
            if dataset not in PULLED_WHOLE and final[key] != pulled[key]:
                changed = sorted(n for n in final[key] if final[key].get(n) != pulled[key].get(n))
                if set(changed) <= AS_READ.get(dataset, set()):
                    continue
                problems.append(
                    {
                        "dataset": dataset,
                        "key": key,
                        "columns": changed,
                        "problem": "the pulls hold an older version of the row",
                    }
                )
    return problems


def truth_compliance(world: World, phone: Phone) -> dict[str, int]:
    """Her prompts' fate as the push service and her phone saw it."""
    sent: dict[str, datetime] = {}
    for push in world.pushbox.log:
        kind = phone.kept_prompts.get(push.payload.get("prompt_id", ""), {}).get("kind")
        # Questionnaire waves are not counted in check-in compliance.
        if push.endpoint == phone.endpoint and push.payload["type"] == "prompt" and kind != "wave":
            sent[push.payload["prompt_id"]] = at(push.payload["expires_at"])  # type: ignore[assignment]
    answered = {r.prompt_id: r for r in phone.truth.acked.values() if r.prompt_id}
    counts = dict.fromkeys(COMPARED, 0)
    counts["sent"] = len(sent)
    for prompt_id, expires in sent.items():
        record = answered.get(prompt_id)
        if record is not None:
            counts["late" if record.late else "completed"] += 1
        else:
            counts["expired" if expires <= world.end else "open"] += 1
    return counts


def compliance_matches(world: World) -> Problems:
    names = pseudonyms(world)
    problems: Problems = []
    for row in world.compliance["participants"]:
        phone = names.get(row["pseudonym"])
        if phone is None:
            problems.append({"pseudonym": row["pseudonym"], "problem": "no phone has her"})
            continue
        api = {name: row["compliance"][name] for name in COMPARED}
        truth = truth_compliance(world, phone)
        if api != truth:
            problems.append(
                {
                    "pseudonym": row["pseudonym"],
                    "api": api,
                    "truth": truth,
                    "problem": "compliance differs from the phone's ground truth",
                }
            )
    return problems


def offer_outcomes_match(world: World) -> Problems:
    """Each suggestion she took up or declined (and got a 2xx for) is exported so."""
    problems: Problems = []
    exported: dict[str, Counter[str]] = {}
    for row in world.final.get("offers", {}).values():
        exported.setdefault(row["pseudonym"], Counter())[row["outcome"]] += 1
    for pseudonym, phone in pseudonyms(world).items():
        said = Counter(phone.truth.offer_outcomes.values())
        there = exported.get(pseudonym, Counter())
        for outcome in ("accepted", "declined"):
            if said[outcome] != there[outcome]:
                problems.append(
                    {
                        "pseudonym": pseudonym,
                        "outcome": outcome,
                        "phone": said[outcome],
                        "exported": there[outcome],
                        "problem": "offer outcomes differ from what her phone sent",
                    }
                )
    return problems


def prompts_in_waking_hours(world: World) -> Problems:
    """No prompt sent outside her waking window, in the zone she was in that day."""
    names = pseudonyms(world)
    problems: Problems = []
    for row in world.final["prompts"].values():
        phone = names.get(row["pseudonym"])
        scheduled = at(row["scheduled_at_utc"])
        if phone is None or scheduled is None or not row.get("sent_at_utc"):
            continue
        wake, sleep = phone.truth.wake, phone.truth.sleep
        local = scheduled.astimezone(time_zone(phone.truth.zone_at(scheduled))).time()
        inside = wake <= local < sleep if wake < sleep else (local >= wake or local < sleep)
        if not inside:
            problems.append(
                {
                    "pseudonym": row["pseudonym"],
                    "prompt_ref": row["prompt_ref"],
                    "prompt_kind": row.get("prompt_kind"),
                    "scheduled_at_utc": row["scheduled_at_utc"],
                    "zone": phone.truth.zone_at(scheduled),
                    "local": local.isoformat(),
                    "waking": f"{wake:%H:%M}-{sleep:%H:%M}",
                    "problem": "sent outside her waking hours",
                }
            )
    return problems


def nothing_after_withdrawal(world: World) -> Problems:
    left = {p.endpoint: p.truth.withdrawn_at for p in world.phones if p.truth.withdrawn_at}
    return [
        {
            "prompt_id": push.payload.get("prompt_id"),
            "sent_at": push.sent_at.isoformat(),
            "withdrawn_at": left[push.endpoint].isoformat(),
            "problem": "pushed to a participant who had withdrawn",
        }
        for push in world.pushbox.log
        if push.endpoint in left and push.sent_at > left[push.endpoint]
    ]


def each_prompt_once(world: World) -> Problems:
    """A prompt is pushed once, and reminded once; a questionnaire wave reminds on each of
    its reminder days, so its reminders must be a day apart rather than one."""
    problems: Problems = []
    for (endpoint, prompt_id, kind), count in world.pushbox.sent.items():
        if count == 1:
            continue
        pushes = [
            push
            for push in world.pushbox.log
            if push.endpoint == endpoint
            and push.payload.get("prompt_id") == prompt_id
            and push.payload["type"] == kind
        ]
        moments = sorted(push.sent_at for push in pushes)
        wave = _is_wave(world, endpoint, prompt_id, pushes)
        if kind == "reminder" and wave and all(b - a >= DAY_APART for a, b in pairwise(moments)):
            continue
        problems.append(
            {
                "prompt_id": prompt_id,
                "kind": kind,
                "times": count,
                "sent_at": [moment.isoformat() for moment in moments],
                "wave": wave,
                "problem": "one prompt pushed more than once",
            }
        )
    return problems


DAY_APART = timedelta(hours=23)  # a DST night shortens a day by one hour


def _is_wave(world: World, endpoint: str, prompt_id: str, pushes: list[Any]) -> bool:
    """Her phone kept it as a wave, or its pushes said it stays open for more than a day (a
    check-in closes within hours): known from her phone, not from the service's exports."""
    for phone in world.phones:
        if phone.endpoint == endpoint and phone.kept_prompts.get(prompt_id, {}).get("kind"):
            return phone.kept_prompts[prompt_id]["kind"] == "wave"
    return any(
        at(push.payload.get("expires_at")) - push.sent_at > timedelta(days=1)  # type: ignore[operator]
        for push in pushes
        if push.payload.get("expires_at")
    )


CHECKS = {
    "exactly_once": exactly_once,
    "replays_changed_nothing": replays_changed_nothing,
    "incremental_pulls_equal_full_export": pulls_add_up,
    "compliance_equals_ground_truth": compliance_matches,
    "offer_outcomes_as_sent": offer_outcomes_match,
    "prompts_within_waking_hours": prompts_in_waking_hours,
    "nothing_sent_after_withdrawal": nothing_after_withdrawal,
    "each_prompt_sent_at_most_once": each_prompt_once,
    "scores_match": scores_match,
    "decisions_match": decisions_match,
    "consents_match": consents_match,
}


def check(world: World) -> dict[str, Problems]:
    return {name: run(world) for name, run in CHECKS.items()}
