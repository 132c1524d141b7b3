"""What must hold after every rehearsal, each checked against the phones' own ground truth
and the push service's log, never against the service's word alone. Each check returns the
records that broke it (empty: it holds)."""

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from savor.clock import time_zone
from savor.rehearsal.declared_scoring import Expected, declared, expected_scores
from savor.rehearsal.phone import Phone
from savor.rehearsal.pulls import Row, Table
from savor.rehearsal.pushbox import PushBox
from savor.rehearsal.truth import Record
from savor.studies.decision_rules import Decisions

Problems = list[dict[str, Any]]
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


@dataclass
class World:
    phones: list[Phone]
    pushbox: PushBox
    pulled: dict[str, Table]  # the union of the daily incremental pulls
    final: dict[str, Table]  # a full export of each dataset at the end
    twice: list[tuple[str, Row]]  # append-only rows that came in two pulls
    compliance: dict[str, Any]
    end: datetime
    trial: Decisions | None = None  # the protocol's decisions block, when it has one
    participants: list[dict[str, Any]] = field(default_factory=list)  # the research list
    # The consent version the study published during the run, and when.
    consent_published: tuple[int, datetime] | None = None


def at(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text).astimezone(UTC)


def ms(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000)


def pseudonyms(world: World) -> dict[str, Phone]:
    """Each phone's pseudonym, found by her enrollment moment (unique to the millisecond)."""
    by_moment = {ms(p.truth.enrolled_at): p for p in world.phones if p.truth.enrolled_at}
    found: dict[str, Phone] = {}
    for row in world.final["participants"].values():
        phone = by_moment.get(ms(at(row["enrolled_at_utc"])))  # type: ignore[arg-type]
        if phone is not None:
            found[row["pseudonym"]] = phone
    return found


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


def scores_match(world: World) -> Problems:
    """Every questionnaire a phone got a 2xx for has one `scores` row per declared scale, equal
    to what her own answers give by the instrument's YAML (declared_scoring.py, never the
    service's scoring); no score belongs to anything else."""
    names = {id(phone): pseudonym for pseudonym, phone in pseudonyms(world).items()}
    exported: dict[tuple[str, datetime], list[Row]] = defaultdict(list)
    for row in world.final.get("scores", {}).values():
        exported[(row["pseudonym"], ms(at(row["submitted_at_utc"])))].append(row)  # type: ignore[arg-type]
    problems: Problems = []
    scored: set[tuple[str, datetime]] = set()
    for phone in world.phones:
        pseudonym = names.get(id(phone), f"phone-{phone.number}")
        for record in phone.truth.acked.values():
            document = declared(record.body.get("instrument_id", ""))
            if record.kind != "response" or document is None:
                continue
            key = (pseudonym, ms(record.moment))
            scored.add(key)
            rows = [r for r in exported[key] if r["instrument_id"] == document["id"]]
            for expected in expected_scores(document, record.body["answers"]):
                mine = [r for r in rows if r["scale"] == expected.scale]
                problem = _score_problem(expected, mine)
                if problem:
                    problems.append(
                        {
                            "pseudonym": pseudonym,
                            "instrument": document["id"],
                            "scale": expected.scale,
                            "submitted_at": record.moment.isoformat(),
                            "expected": asdict(expected),
                            "exported": mine,
                            "problem": problem,
                        }
                    )
    for (pseudonym, moment), rows in exported.items():
        if (pseudonym, moment) not in scored:
            problems.append(
                {
                    "pseudonym": pseudonym,
                    "submitted_at": moment.isoformat(),
                    "scales": sorted(r["scale"] for r in rows),
                    "problem": "a score with no questionnaire a phone got a 2xx for",
                }
            )
    return problems


def _score_problem(expected: Expected, rows: list[Row]) -> str | None:
    if len(rows) != 1:
        return f"{len(rows)} score rows for the scale, not one"
    row = rows[0]
    exported = (row["score"], row["items_answered"], row["items_declined"], row["prorated"])
    if exported != (expected.score, expected.answered, expected.declined, expected.prorated):
        return "the exported score differs from her own answers scored by the YAML's rules"
    if row["items_missing"] != expected.missing:
        return "the exported missing items differ from her own answers"
    return None


TRIAL_RULE = "mrt_"  # an offer's rule when a trial's draw made it
NOT_ANSWERED = ("offered", "shown", "expired")  # a trial's offer she sent nothing about


def decisions_match(world: World) -> Problems:
    """The decisions dataset against the protocol and the phones: each point decided once,
    with the declared odds, every offer a phone got exported once as offered, with the
    outcome her phone got a 2xx for, and no point for her after she withdrew."""
    rows = list(world.final.get("decisions", {}).values())
    return (
        _decided_once(rows)
        + _declared_odds(rows, world.trial)
        + _offers_received(world, rows)
        + _none_after_withdrawal(world, rows)
    )


def _decided_once(rows: list[Row]) -> Problems:
    # A point's draw is a keyed hash of her and the point, so a point decided twice draws
    # the same number; a point not randomized has no draw, and is known by its moment.
    seen: Counter[tuple[Any, ...]] = Counter()
    for row in rows:
        mark = row["draw"] if row["draw"] is not None else row["decided_at_utc"]
        seen[(row["pseudonym"], row["rule"], row["point_kind"], mark)] += 1
    return [
        {
            "pseudonym": pseudonym,
            "rule": rule,
            "point_kind": kind,
            "draw_or_moment": mark,
            "times": count,
            "problem": "one decision point decided more than once",
        }
        for (pseudonym, rule, kind, mark), count in seen.items()
        if count > 1
    ]


def _declared_odds(rows: list[Row], trial: Decisions | None) -> Problems:
    problems: Problems = []
    if trial is None:
        return [{"rows": len(rows), "problem": "decisions exported, but the protocol has none"}][
            : len(rows)
        ]
    empty = {o.id for o in trial.options if o.practice is None}
    for row in rows:
        rule = trial.rule(row["rule"])
        if rule is None:
            problems.append({"decision_ref": row["decision_ref"], "problem": "unknown rule"})
            continue
        strata = {s.id: s.probabilities for s in rule.strata}
        declared = strata.get(row["stratum"]) if rule.strata else rule.probabilities
        declared = declared or {}
        found = {o.id: row.get(f"p_{o.id}") for o in trial.options}
        wrong = [
            option
            for option, p in found.items()
            if p is None or not 0 <= p <= 1 or abs(p - declared.get(option, -1)) > 1e-9
        ]
        offer = sum(p for option, p in declared.items() if option not in empty)
        if wrong or row["p_offer"] is None or abs(row["p_offer"] - offer) > 1e-9:
            problems.append(
                {
                    "decision_ref": row["decision_ref"],
                    "rule": row["rule"],
                    "stratum": row["stratum"],
                    "exported": found | {"offer": row["p_offer"]},
                    "declared": declared,
                    "problem": "randomization probabilities differ from the rule's",
                }
            )
    return problems


def _offers_received(world: World, rows: list[Row]) -> Problems:
    names = {id(phone): pseudonym for pseudonym, phone in pseudonyms(world).items()}
    by_offer: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.get("offer_ref"):
            by_offer[row["offer_ref"]].append(row)
    responses = {
        (row["pseudonym"], ms(at(row["submitted_at_utc"]))): row["response_ref"]  # type: ignore[arg-type]
        for row in world.final["responses"].values()
    }
    offers = {
        (row["response_ref"], row["rule"]): row["offer_ref"]
        for row in world.final.get("offers", {}).values()
        if row["rule"].startswith(TRIAL_RULE)
    }
    notices = {
        (row["pseudonym"], ms(at(row["expires_at_utc"]))): row["prompt_ref"]  # type: ignore[arg-type]
        for row in world.final["prompts"].values()
        if row.get("prompt_kind") == "offer"
    }
    problems: Problems = []
    answered: set[str] = set()  # decisions whose outcome a phone sent and got a 2xx for

    def received(pseudonym: str, ref: str | None, said: str | None, what: str) -> None:
        found = by_offer.get(ref or "", [])
        if len(found) != 1 or not found[0]["offered"]:
            problems.append(
                {
                    "pseudonym": pseudonym,
                    "offer": what,
                    "decisions": len(found),
                    "problem": "an offer her phone got is not one decision that offered it",
                }
            )
            return
        outcome = found[0]["offer_outcome"]
        if said is not None:
            answered.add(found[0]["decision_ref"])
        if (said is not None and outcome != said) or (said is None and outcome not in NOT_ANSWERED):
            problems.append(
                {
                    "pseudonym": pseudonym,
                    "offer": what,
                    "phone": said,
                    "exported": outcome,
                    "problem": "the offer's outcome differs from what her phone sent",
                }
            )

    for phone in world.phones:
        pseudonym = names.get(id(phone), f"phone-{phone.number}")
        for record in phone.truth.acked.values():
            for offer in (record.answer or {}).get("offers", []):
                if not offer["rule"].startswith(TRIAL_RULE):
                    continue
                response = responses.get((pseudonym, ms(record.moment)))
                said = phone.truth.offer_outcomes.get(offer["id"])
                ref = offers.get((response, offer["rule"]))
                received(pseudonym, ref, said, f"check-in offer {offer['id']}")
        for prompt_id, expires in phone.truth.offer_notices.items():
            ref = notices.get((pseudonym, ms(expires)))
            said = phone.truth.notice_outcomes.get(prompt_id)
            received(pseudonym, ref, said, f"notification {prompt_id}")
    problems += [
        {
            "pseudonym": row["pseudonym"],
            "decision_ref": row["decision_ref"],
            "exported": row["offer_outcome"],
            "problem": "exported as answered, but no phone got a 2xx for that",
        }
        for row in rows
        if row.get("offer_outcome") in ("accepted", "declined")
        and row["decision_ref"] not in answered
    ]
    return problems


def _none_after_withdrawal(world: World, rows: list[Row]) -> Problems:
    left = {
        pseudonym: phone.truth.withdrawn_at
        for pseudonym, phone in pseudonyms(world).items()
        if phone.truth.withdrawn_at is not None
    }
    return [
        {
            "pseudonym": row["pseudonym"],
            "decision_ref": row["decision_ref"],
            "decided_at_utc": row["decided_at_utc"],
            "problem": "a decision point after she withdrew",
        }
        for row in rows
        if row["pseudonym"] in left and at(row["decided_at_utc"]) > left[row["pseudonym"]]  # type: ignore[operator]
    ]


def consents_match(world: World) -> Problems:
    """The consents dataset holds exactly the agreements phones got a 2xx for (version, her,
    moment), and the research list's `consent_needed` names exactly the active phones that
    have not agreed to the version the study published."""
    names = pseudonyms(world)
    exported = Counter(
        (row["pseudonym"], row["version"], ms(at(row["agreed_at_utc"])))  # type: ignore[arg-type]
        for row in world.final.get("consents", {}).values()
    )
    agreed = Counter(
        (pseudonym, version, ms(moment))
        for pseudonym, phone in names.items()
        for version, moment in phone.truth.consents
    )
    problems: Problems = [
        {
            "pseudonym": pseudonym,
            "version": version,
            "agreed_at": moment.isoformat(),
            "phone": agreed[key],
            "exported": exported[key],
            "problem": "consent agreements differ from the 2xx her phone got",
        }
        for key in sorted(set(exported) | set(agreed))
        if exported[key] != agreed[key]
        for pseudonym, version, moment in [key]
    ]
    listed = {row["pseudonym"]: row["consent_needed"] for row in world.participants}
    for pseudonym, phone in names.items():
        published = phone.truth.consent_published
        newest = max((version for version, _ in phone.truth.consents), default=0)
        needed = phone.active and published is not None and newest < published
        if listed.get(pseudonym) != needed:
            problems.append(
                {
                    "pseudonym": pseudonym,
                    "listed": listed.get(pseudonym),
                    "phone": needed,
                    "problem": "consent_needed differs from whether her phone agreed",
                }
            )
    return problems


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
