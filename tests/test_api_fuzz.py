"""Schemathesis against our own OpenAPI, both APIs, with valid tokens: no 5xx, and every
response matches its documented schema. Bounded so it stays quick in CI."""

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import stop, wait_ready

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
EXAMPLES = "25"


@pytest.fixture
def running(clean_env: dict[str, str]) -> Iterator[tuple[str, dict]]:
    demo = subprocess.run(
        [sys.executable, "-m", "savor.cli", "demo", "--json"],
        env=clean_env,
        capture_output=True,
        text=True,
        check=True,
    )
    env = clean_env | {"SAVOR_SCHEDULER_ENABLED": "false", "SAVOR_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "savor.cli", "serve", "--port", env["PORT"]],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        wait_ready(base, process)
        yield base, json.loads(demo.stdout)
    finally:
        stop(process)


def _fuzz(base: str, token: str, workdir: Path, *selection: str) -> subprocess.CompletedProcess:
    # Run where its crash cache cannot leak into the repository or into the next run.
    return subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{base}/openapi.json",
            "-H",
            f"Authorization: Bearer {token}",
            "--max-examples",
            EXAMPLES,
            "--seed",
            "20261125",
            "--no-color",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            *selection,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=workdir,
    )


def test_participant_api_survives_generated_requests(running, tmp_path):
    base, demo = running
    body = {
        "code": demo["enrollment_codes"][0],
        "timezone": "America/Chicago",
        "language": "en",
        "consent_version": 1,
    }
    token = httpx.post(f"{base}/api/v1/enroll", json=body, timeout=10).json()["token"]
    # Withdrawing or deleting herself would end the run for every later case; they have their
    # own tests.
    result = _fuzz(
        base,
        token,
        tmp_path,
        "--include-path-regex",
        "^/api/v1/",
        "--exclude-path",
        "/api/v1/me/withdraw",
        "--exclude-path",
        "/api/v1/me/deletion",
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_research_api_survives_generated_requests(running, tmp_path):
    base, demo = running
    # Deleting participants and revoking access would end the run; they have their own tests.
    result = _fuzz(
        base,
        demo["research_token"],
        tmp_path,
        "--include-path-regex",
        "^/api/research/",
        "--exclude-method",
        "DELETE",
    )
    assert result.returncode == 0, result.stdout[-4000:]
