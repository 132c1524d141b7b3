"""The consent invariant: the `consents` export holds exactly the agreements phones got a 2xx
for, and the research list's `consent_needed` names exactly those who have not agreed again."""

from collections import Counter

from savor.rehearsal.world import Problems, World, at, ms, pseudonyms


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
