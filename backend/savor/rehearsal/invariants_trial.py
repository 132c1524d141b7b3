"""The micro-randomized trial's invariant: each decision point decided once with its declared
odds, and every offer a phone received exported with the outcome she sent."""

from collections import Counter, defaultdict
from typing import Any

from savor.rehearsal.pulls import Row
from savor.rehearsal.world import Problems, World, at, ms, pseudonyms
from savor.studies.decision_rules import Decisions

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
