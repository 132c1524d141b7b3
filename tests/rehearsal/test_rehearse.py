"""`savor rehearse`: a small trial through the real service holds every invariant, on both
databases, and a broken build is caught."""

import json
import os
from pathlib import Path
from typing import Any

import pytest

from savor.ema import checkin_store
from savor.rehearsal.model import Model, load_model
from savor.rehearsal.run import Options, Outcome, rehearse_blocking

PROTOCOL = Path(__file__).resolve().parents[2] / "backend/savor/content/protocol.default.yaml"
# Small enough for CI: every behaviour shows up (offline spells, replays, lost answers,
# practice, travel, withdrawal) because the model makes them common here.
BUSY = Model(
    offline_per_day=0.5,
    lost_answer_probability=0.1,
    replay_probability=0.1,
    travel_probability=0.5,
    withdraw_probability=0.3,
)


# The CI size, 20 phones x 2 weeks on both databases: 129 s for the two together on a
# quiet 2-core machine. SAVOR_TEST_REHEARSAL_PARTICIPANTS sets both (fewer on a slow runner).
SIZES = {"sqlite": 20, "postgresql": 20}


def participants_for(database_url: str) -> int:
    chosen = os.environ.get("SAVOR_TEST_REHEARSAL_PARTICIPANTS")
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    return int(chosen) if chosen else SIZES[backend]


def run(tmp_path: Path, database_url: str | None, participants: int) -> Outcome:
    options = Options(
        protocol=PROTOCOL,
        participants=participants,
        weeks=2,
        out=tmp_path / "out",
        seed=7,
        model=BUSY,
        database_url=database_url,
    )
    return rehearse_blocking(options)


def test_a_small_trial_holds_every_invariant(database_url: str, tmp_path: Path) -> None:
    participants = participants_for(database_url)
    outcome = run(tmp_path, database_url, participants)

    assert outcome.ok, outcome.problems
    report = json.loads((tmp_path / "out/report.json").read_text())
    assert report["participants"]["enrolled"] == participants
    assert report["prompts_per_participant_per_day"]["max"] <= 4  # 3 random + the diary
    assert report["practice"]["sessions"] > 0
    page = (tmp_path / "out/report.html").read_text()
    assert "<svg" in page and "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    exported = {p.name for p in (tmp_path / "out/exports").iterdir()}
    assert {"responses.csv", "responses.ndjson", "responses-fhir.json", "prompts.csv"} <= exported


def test_a_writer_that_drops_one_checkin_in_a_thousand_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = checkin_store._insert
    seen = {"responses": 0}

    def dropping(session: Any, connection: Any, rows: Any) -> None:
        # Acknowledged, never stored: the 10th check-in, then every thousandth.
        kept = []
        for response in rows.responses:
            seen["responses"] += 1
            if seen["responses"] % 1000 == 10:
                rows.items = [i for i in rows.items if response[0] not in i]
                rows.offers = [o for o in rows.offers if response[0] not in o]
            else:
                kept.append(response)
        rows.responses = kept
        real(session, connection, rows)

    monkeypatch.setattr(checkin_store, "_insert", dropping)
    outcome = run(tmp_path, None, participants=4)

    assert not outcome.ok
    lost = outcome.problems["exactly_once"]
    assert len(lost) == 1 and lost[0]["exported"] == 0 and lost[0]["kind"] == "response"


def test_a_model_file_changes_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text("stress_craving_slope: 0.8\nwake_hours: [7, 8]\n")

    model = load_model(path)

    assert model.stress_craving_slope == 0.8 and model.wake_hours == (7, 8)
    assert model.practice_per_day == Model().practice_per_day


def test_a_model_file_with_an_unknown_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text('{"stress_slope": 0.8}')

    with pytest.raises(ValueError, match="stress_slope"):
        load_model(path)
