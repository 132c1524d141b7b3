"""What a rehearsal says of a micro-randomized trial, from the real `decisions` export: each
rule's decision points, the share offered against the declared probability, and what she did
with the offers."""

from collections import Counter, defaultdict
from statistics import mean
from typing import Any

from savor.rehearsal.invariants import World
from savor.rehearsal.report_html import _e, _table

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
            }
        )
    return summary


def html(summary: list[dict[str, Any]]) -> str:
    if not summary:
        return ""
    rows = [
        (
            r["rule"],
            r["point_kind"],
            r["points"],
            r["available"],
            r["offered"],
            r["offered_share"],
            r["declared_p_offer"],
            r["uptake"],
            ", ".join(f"{k} {v}" for k, v in r["outcomes"].items()),
        )
        for r in summary
    ]
    head = ("rule", "kind", "points", "available", "offered", "offered share")
    head += ("declared p_offer", "uptake", "outcomes")
    return (
        "<h2>Micro-randomized offers</h2><p>Decision points by rule (decisions export): the "
        "share of available points offered a practice against the declared probability, and "
        "what she did with the offers (uptake: taken up, of those offered).</p>"
        + _table(rows, head)
        + "".join(
            f"<p>{_e(r['rule'])} not randomized: {_e(r['unavailable_reasons'])}</p>"
            for r in summary
            if r["unavailable_reasons"]
        )
    )
