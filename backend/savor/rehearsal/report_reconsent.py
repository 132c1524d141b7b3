"""What a rehearsal says of a new consent version published during the run, from the real
exports: of those in the study then, who agreed again and how many days after, and who has
not yet (the research participants list's `consent_needed`)."""

from collections import Counter
from typing import Any

from savor.rehearsal.world import World, at


def reconsent_uptake(world: World) -> dict[str, Any] | None:
    """Of those active when the new version was published: agreed (by day after), not yet."""
    if world.consent_published is None:
        return None
    version, published = world.consent_published
    asked = {
        row["pseudonym"]
        for row in world.final["participants"].values()
        if at(row["enrolled_at_utc"]) < published  # type: ignore[operator]
        and (not row.get("withdrawn_at_utc") or at(row["withdrawn_at_utc"]) > published)  # type: ignore[operator]
    }
    agreed: dict[str, int] = {}
    for row in world.final.get("consents", {}).values():
        if row["version"] == version and row["pseudonym"] in asked:
            agreed[row["pseudonym"]] = (at(row["agreed_at_utc"]) - published).days  # type: ignore[operator]
    still = {r["pseudonym"] for r in world.participants if r.get("consent_needed")}
    return {
        "version": version,
        "published_at": published.isoformat(),
        "asked": len(asked),
        "agreed": len(agreed),
        "not_yet": len(still),
        "agreed_by_days_after": dict(sorted(Counter(agreed.values()).items())),
    }
