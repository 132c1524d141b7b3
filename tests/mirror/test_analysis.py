"""The analyst's script (examples/analysis.py) on a mirror of a live study, as CI runs it."""

import importlib.util
import json
import random
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import pandas as pd

from savor.clock import utcnow
from tests.mirror.conftest import Live

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "analysis.py"
ZONES = ["America/Chicago", "America/New_York", "America/Los_Angeles", "Europe/Madrid"]
SLOPE = 0.6  # craving points per stress point in the synthetic study


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("analysis", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _study(live: Live, seed: int = 7) -> None:
    """12 mothers in 4 time zones, a dozen check-ins each over four days, in which craving
    follows stress around her own level; half of them practise three times, craving less after."""
    rng = random.Random(seed)
    now = utcnow()
    for n in range(12):
        phone = live.phone(ZONES[n % len(ZONES)], days_ago=5)
        level = rng.gauss(0, 1.5)
        for k in range(12):
            stress = rng.randint(0, 10)
            craving = round(1 + SLOPE * stress + level + rng.gauss(0, 1))
            phone.checkin(
                stress=stress,
                craving=min(10, max(0, craving)),
                at=now - timedelta(hours=8 * k + 1),
                triggers=["stress", "tired"] if k % 4 == 0 else None,
            )
        for k in range(3 if n % 2 else 0):
            before = rng.randint(4, 9)
            phone.practice(pre=before, post=before - rng.randint(0, 3), at=now - timedelta(days=k))


def test_the_analysts_script_pulls_loads_by_the_data_package_and_fits_both_models(
    live, tmp_path, capsys
):
    _study(live)
    script = _script()
    directory = tmp_path / "mirror"
    args = ["--url", live.url, "--token-file", str(live.token_file), "--study", "pilot"]

    assert script.main([*args, str(directory)]) == 0

    printed = capsys.readouterr().out
    assert "Craving on stress" in printed and "after minus before practice" in printed
    results = script.analyse(directory)
    assert (results["checkins"], results["participants"]) == (144, 12)
    assert results["stress_slope"] > 0 and results["stress_p"] < 0.001
    assert results["sessions"] == 18
    assert results["practice_change"] < 0


def test_the_script_takes_every_type_from_the_data_package(live, tmp_path):
    _study(live)
    directory = tmp_path / "mirror"
    args = ["--url", live.url, "--token-file", str(live.token_file), "--study", "pilot"]
    _script().main([*args, str(directory)])
    frames = _script().load(directory)
    package = json.loads((directory / "datapackage.json").read_text())
    [responses] = [r for r in package["resources"] if r["name"] == "responses"]
    value = next(f for f in responses["schema"]["fields"] if f["name"] == "value")
    # Ratings, choices and lists of triggers share one column: the server types it as text.
    assert value["type"] == "string"
    assert str(frames["responses"]["item_position"].dtype) == "Int64"
    assert str(frames["responses"]["late"].dtype) == "boolean"
    submitted = frames["responses"]["submitted_at_utc"].dtype
    assert isinstance(submitted, pd.DatetimeTZDtype) and str(submitted.tz) == "UTC"
    assert str(frames["practice_sessions"]["pre_C1"].dtype) == "Int64"
    assert set(frames["participants"]["timezone"]) == set(ZONES)
