"""What a rehearsal says of a micro-randomized trial, from the real `decisions` export: each
rule's decision points, the share offered against the declared probability, and what she did
with the offers."""

from collections import Counter, defaultdict
from statistics import mean
from typing import Any

from savor.rehearsal.world import World

OUTCOMES = ("accepted", "declined", "shown", "offered", "expired")


def decisions_summary(world: World) -> list[dict[str, Any]]:
    """Per rule: points, available ones, offered share vs the mean declared p_offer, uptake."""
    by_rule: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in world.final.get("decisions", {}).values():
        by_rule[row["rule"]].append(row)
    summary: list[dict[str, Any]] = []
    for rule, rows in sorted(by_rule.items()):
        available = [r for r in rows if r["available"]]
        offered = [r for r in available if r["offered"]]
        outcomes = Counter(r["offer_outcome"] for r in offered)
        reasons = Counter(r["unavailable_reason"] for r in rows if not r["available"])
        summary.append(
            {
                "rule": rule,
                "point_kind": rows[0]["point_kind"],
                "points": len(rows),
                "available": len(available),
                "unavailable_reasons": dict(reasons),
                "offered": len(offered),
                "offered_share": round(len(offered) / len(available), 3) if available else None,
                "declared_p_offer": round(mean(r["p_offer"] for r in available), 3)
                if available
                else None,
                "outcomes": {o: outcomes[o] for o in OUTCOMES if outcomes[o]},
                "uptake": round(outcomes["accepted"] / len(offered), 3) if offered else None,
                "practice_started": sum(bool(r["practice_started"]) for r in offered),
            }
        )
    return summary
