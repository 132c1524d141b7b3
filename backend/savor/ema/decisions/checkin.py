"""Decision points made by check-ins: found by the request, decided by the check-in storer.

The request (ema.checkins.draft) sees whether her answers make a decision point of the
study's checkin rule, and its stratum. The storer, inside the transaction that stores the
check-in, reads availability fresh, draws, and adds the decision, its offer and its follow-up
prompt to the same set: the decision is committed with the answers, before she sees the offer
in the reply, and a check-in sent twice is one decision point (its identity is its client id).
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from savor.ema.decisions import availability, draw, follow_up
from savor.ema.decisions.availability import Facts
from savor.practices import progress
from savor.studies.decision_rules import DecisionRule, Decisions
from savor.studies.models import Participant, Study

LATE_AFTER = availability.LATE_AFTER
OFFER_RULE_PREFIX = "mrt_"  # an offer's rule: mrt_<rule id>, as the practice session sends it


@dataclass(frozen=True)
class CheckinPoint:
    """A check-in that is a decision point, as the request found it."""

    rule: str
    rating: int
    stratum: str | None
    probabilities: dict[str, float]
    settings: Decisions


def point_for(
    decisions: Decisions | None, instrument_id: str, answers: list[dict[str, Any]]
) -> CheckinPoint | None:
    if decisions is None:
        return None
    values = {a["item_id"]: a.get("value") for a in answers if not a.get("declined")}
    for rule in decisions.rules:
        if rule.kind != "checkin" or instrument_id not in rule.instruments:
            continue
        ratings = [v for i in rule.items if type(v := values.get(i)) is int]
        if ratings and max(ratings) >= rule.threshold:
            stratum, odds = rule.stratum_for(max(ratings))
            return CheckinPoint(rule.id, max(ratings), stratum, ordered(decisions, odds), decisions)
    return None


def ordered(decisions: Decisions, odds: dict[str, float]) -> dict[str, float]:
    """The odds in the options' declared order: the draw reads them in that order."""
    return {o.id: odds[o.id] for o in decisions.options}


@dataclass
class SetDecisions:
    """What a stored set has decided so far, so two check-ins of hers in one set see each
    other, and the rows to insert once the set's responses are in."""

    offers: dict[uuid.UUID, list[tuple[datetime, date]]] = field(default_factory=dict)
    prompts: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    slots: set[tuple[uuid.UUID, Any, int]] = field(default_factory=set)
    secrets: dict[uuid.UUID, str] = field(default_factory=dict)
    crises: dict[uuid.UUID, datetime] = field(default_factory=dict)


def decide(
    connection: Connection,
    found: SetDecisions,
    *,
    point: CheckinPoint,
    participant_id: uuid.UUID,
    client_id: uuid.UUID,
    crisis: bool,
    late: bool,
    protocol_version: int,
    timezone: str,
    now: datetime,
) -> tuple[tuple[str, str] | None, dict[str, Any]]:
    """Decide her decision point; returns the offer to make (rule, practice) or None, and the
    decision row still waiting for its response id."""
    settings = point.settings
    rules = settings.availability
    today = progress.local_date(now, timezone)
    facts = availability.read_facts(
        connection, participant_id=participant_id, rules=rules, now=now, local_date=today
    )
    _add_own(facts, found.offers.get(participant_id, []), today)
    if (earlier := found.crises.get(participant_id)) is not None:
        facts.last_crisis_at = max(filter(None, (facts.last_crisis_at, earlier)))
    facts.crisis_now, facts.late = crisis, late
    reason = availability.why_unavailable(facts, rules, now)
    identity = f"checkin:{client_id}"
    opens, closes = follow_up.window(settings.proximal_outcome, now)
    row: dict[str, Any] = {
        "id": uuid.uuid4(),
        "participant_id": participant_id,
        "point": identity,
        "rule": point.rule,
        "kind": "checkin",
        "protocol_version": protocol_version,
        "decided_at": now,
        "local_date": today,
        "rating": point.rating,
        "stratum": point.stratum,
        "available": reason is None,
        "unavailable_reason": reason,
        "probabilities": point.probabilities,
        "draw": None,
        "option": None,
        "practice_id": None,
        "window_start": opens,
        "window_end": closes,
        "follow_up_prompt_id": None,
    }
    if reason is not None:
        return None, row
    u = draw.uniform(
        study_secret=_secret(connection, found, participant_id),
        participant_id=participant_id,
        point=identity,
    )
    option = draw.choose(point.probabilities, u)
    practice = settings.practice_of(option)
    row.update(draw=u, option=option, practice_id=practice)
    prompt = follow_up.prompt_row(
        connection,
        participant_id=participant_id,
        outcome=settings.proximal_outcome,
        protocol_version=protocol_version,
        opens=opens,
        closes=closes,
        timezone=timezone,
        taken=found.slots,
    )
    if prompt is not None:
        found.prompts.append(prompt)
        row["follow_up_prompt_id"] = prompt["id"]
    if practice is None:
        return None, row
    found.offers.setdefault(participant_id, []).append((now, today))
    return (OFFER_RULE_PREFIX + point.rule, practice), row


def _add_own(facts: Facts, own: list[tuple[datetime, date]], today: date) -> None:
    for at, day in own:
        facts.offers.append(at)
        facts.offers_today += day == today
    facts.offers.sort()


def _secret(connection: Connection, found: SetDecisions, participant_id: uuid.UUID) -> str:
    if participant_id not in found.secrets:
        found.secrets[participant_id] = connection.execute(
            select(Study.secret)
            .join(Participant, Participant.study_id == Study.id)  # type: ignore[arg-type]
            .where(Participant.id == participant_id)
        ).scalar_one()
    return found.secrets[participant_id]


def rule_of(decisions: Decisions, offer_rule: str) -> DecisionRule | None:
    """The decision rule an offer's rule (mrt_<id>) names."""
    if not offer_rule.startswith(OFFER_RULE_PREFIX):
        return None
    return decisions.rule(offer_rule.removeprefix(OFFER_RULE_PREFIX))
