"""`savor rehearse` with a new consent version published mid-run: phones agree again as the
app asks, the `consents` export and the research list's `consent_needed` are checked against
them, and a broken export is caught (the invariant fed a crafted world, no run)."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from savor.rehearsal.invariants_consent import consents_match
from savor.rehearsal.model import Model
from savor.rehearsal.phone import Phone
from savor.rehearsal.reconsent import raised
from savor.rehearsal.run import Options, rehearse_blocking
from savor.rehearsal.world import World
from savor.studies.consent import consent_of
from savor.studies.protocol import parse_protocol
from savor.studies.service import default_protocol_source
from tests.rehearsal.crafted import crafted_phone, crafted_world

PROTOCOL = Path(__file__).resolve().parents[2] / "backend/savor/content/protocol.default.yaml"
ENROLLED = datetime(2027, 3, 8, 15, 0, tzinfo=UTC)
AGREED = ENROLLED + timedelta(days=2)


def test_a_new_consent_is_agreed_by_some_and_listed_as_needed_for_the_others(
    tmp_path: Path,
) -> None:
    options = Options(
        protocol=PROTOCOL,
        participants=8,
        weeks=1,
        out=tmp_path / "out",
        seed=5,
        model=Model(
            reconsent_week=1, reconsent_probability=0.5, withdraw_probability=0, enroll_days=1
        ),
    )
    outcome = rehearse_blocking(options)

    assert outcome.ok, outcome.problems
    uptake = json.loads((tmp_path / "out/report.json").read_text())["reconsent"]
    assert uptake["version"] == 2
    assert uptake["agreed"] > 0 and uptake["not_yet"] > 0
    assert uptake["agreed"] + uptake["not_yet"] <= uptake["asked"]


def test_the_published_protocol_raises_the_consent_version_and_changes_its_words() -> None:
    before = consent_of(parse_protocol(default_protocol_source()))

    source, version = raised(default_protocol_source())

    after = consent_of(parse_protocol(source))
    assert version == after.version == before.version + 1
    assert after.document != before.document and after.key_facts == before.key_facts


# -- the invariant, fed a crafted world -------------------------------------------------------
def phone(agreements: list[tuple[int, datetime]], published: int | None = 2) -> Phone:
    found = crafted_phone(ENROLLED)
    found.truth.consents = agreements
    found.truth.consent_published = published
    return found


def consent(version: int, moment: datetime) -> dict[str, Any]:
    return {"pseudonym": "P-1", "version": version, "agreed_at_utc": moment.isoformat()}


def world(her: Phone, exported: list[dict[str, Any]], needed: bool) -> World:
    return crafted_world(
        her,
        ENROLLED + timedelta(days=7),
        {"consents": {(i,): row for i, row in enumerate(exported)}},
        participants=[{"pseudonym": "P-1", "consent_needed": needed}],
    )


def problems_of(crafted: World) -> list[str]:
    return [problem["problem"] for problem in consents_match(crafted)]


def test_the_crafted_world_itself_holds() -> None:
    her = phone([(1, ENROLLED), (2, AGREED)])

    assert problems_of(world(her, [consent(1, ENROLLED), consent(2, AGREED)], False)) == []


def test_an_agreement_her_phone_got_a_2xx_for_missing_from_the_export_is_caught() -> None:
    her = phone([(1, ENROLLED), (2, AGREED)])

    found = problems_of(world(her, [consent(1, ENROLLED)], False))

    assert found == ["consent agreements differ from the 2xx her phone got"]


def test_consent_needed_for_one_who_agreed_is_caught() -> None:
    her = phone([(1, ENROLLED), (2, AGREED)])

    found = problems_of(world(her, [consent(1, ENROLLED), consent(2, AGREED)], True))

    assert found == ["consent_needed differs from whether her phone agreed"]
