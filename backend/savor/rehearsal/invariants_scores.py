"""The questionnaire scores invariant: each exported score equals her own answers scored by the
instrument's declared rules (declared_scoring.py, never the service's scoring)."""

from collections import defaultdict
from dataclasses import asdict
from datetime import datetime

from savor.rehearsal.declared_scoring import Expected, declared, expected_scores
from savor.rehearsal.pulls import Row
from savor.rehearsal.world import Problems, World, at, ms, pseudonyms


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
