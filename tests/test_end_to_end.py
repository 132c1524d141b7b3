"""The README's `make run`, and durability of acknowledged writes, with a real server process."""

import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import stop, wait_ready

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def make_run(clean_env: dict[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    """`make run` as the README says; yields the base URL and the printed lines by label."""
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=REPO,
        env=clean_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    printed: dict[str, str] = {}
    try:
        assert process.stdout is not None
        for line in process.stdout:
            label, _, value = line.strip().partition(": ")
            printed[label] = value
            if label == "Research token":
                break
        base = f"http://127.0.0.1:{clean_env['PORT']}"
        wait_ready(base, process)
        yield base, printed
    finally:
        stop(process)
        if process.stdout is not None:
            process.stdout.close()


def test_make_run_serves_the_demo_study(make_run):
    base, printed = make_run
    assert printed["App"] == f"{base}/"
    body = {
        "code": printed["Enrollment code"],
        "timezone": "America/Denver",
        "language": "en",
        "consent_version": 1,
    }
    enrolled = httpx.post(f"{base}/api/v1/enroll", json=body, timeout=10)
    assert enrolled.status_code == 201, enrolled.text
    me = httpx.get(
        f"{base}/api/v1/me",
        headers={"Authorization": f"Bearer {enrolled.json()['token']}"},
        timeout=10,
    )
    assert me.json()["study"] == "demo"
    research = httpx.get(
        f"{base}/api/research/v1/studies/demo",
        headers={"Authorization": f"Bearer {printed['Research token']}"},
        timeout=10,
    )
    assert research.json()["participants"] == 1


def test_acknowledged_enrollment_survives_kill_9(clean_env: dict[str, str], tmp_path: Path):
    savor = [sys.executable, "-m", "savor.cli"]
    demo = subprocess.run(
        [*savor, "demo", "--json"], env=clean_env, capture_output=True, text=True, check=True
    )
    code = json.loads(demo.stdout)["enrollment_codes"][0]
    process = subprocess.Popen(
        [*savor, "serve", "--port", clean_env["PORT"]],
        env=clean_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{clean_env['PORT']}"
    try:
        wait_ready(base, process)
        body = {"code": code, "timezone": "America/Phoenix", "language": "es", "consent_version": 1}
        assert httpx.post(f"{base}/api/v1/enroll", json=body, timeout=10).status_code == 201
    finally:
        stop(process, signal.SIGKILL)
    with sqlite3.connect(tmp_path / "data" / "savor.db") as db:
        rows = db.execute("SELECT timezone, language FROM participant").fetchall()
    assert rows == [("America/Phoenix", "es")]
