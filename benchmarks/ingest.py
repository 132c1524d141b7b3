"""Ingest: sustained POST /api/v1/responses against a bare endpoint that stores nothing.

Both apps are served the same way (one uvicorn process each, same flags) in the same run and
loaded by wrk with 64 connections, after a few seconds of the same load that are not counted
(sustained rate: snapshots cached, connections open). Savor stores check-ins from its writer
process, as it is deployed. Prints requests/s, p50/p99, errors and the ratio to the bare
endpoint, on SQLite and (unless --sqlite-only) on PostgreSQL, and each server's CPU time per
request (all its processes), which compares builds measured at different moments.

    .venv/bin/python -m benchmarks.ingest [--seconds 20] [--connections 64] [--sqlite-only]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.common import free_port, postgres_database, start_server, stop_server

WARMUP_SECONDS = 3
ITEMS = {"S1": 4, "C1": 2, "A1": 6, "A2": 5, "N1": 3, "PN1": 1, "SV1": True, "SV1b": 7}
LUA = """
local tokens = {%(tokens)s}
local counter = 0
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
init = function(args)
  -- each wrk thread its own random sequence, so no two requests share a client_id
  math.randomseed(%(seed)d + os.time() * 100 + (thread_id or 0) * 7919)
end
local function uuid()
  local t = 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'
  return (string.gsub(t, '[xy]', function (c)
    local v = (c == 'x') and math.random(0, 0xf) or math.random(8, 0xb)
    return string.format('%%x', v)
  end))
end
request = function()
  counter = counter + 1
  local token = tokens[(counter %% #tokens) + 1]
  local body = '{"client_id":"' .. uuid() .. '",%(rest)s'
  return wrk.format("POST", "%(path)s", {
    ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%f %%f\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), summary.duration, 0))
end
"""


def body_rest(submitted_at: str) -> str:
    answers = [{"item_id": k, "value": v, "declined": False} for k, v in ITEMS.items()]
    rest = {
        "prompt_id": None,
        "instrument_id": "momentary",
        "instrument_version": "1",
        "submitted_at": submitted_at,
        "answers": answers,
    }
    return json.dumps(rest)[1:]


def enroll_many(base: str, codes: list[str]) -> list[str]:
    tokens = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for code in codes:
            response = client.post(
                "/api/v1/enroll",
                json={
                    "code": code,
                    "timezone": "America/Chicago",
                    "language": "en",
                    "consent_version": 1,
                },
            )
            response.raise_for_status()
            tokens.append(response.json()["token"])
    return tokens


def run_wrk(base: str, path: str, tokens: list[str], seconds: int, connections: int) -> dict:
    submitted = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    script = LUA % {
        "tokens": ",".join(f'"{t}"' for t in tokens),
        "seed": os.getpid(),
        "rest": body_rest(submitted).replace("\\", "\\\\").replace("'", "\\'"),
        "path": path,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        lua = handle.name
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua, base],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(lua)
    requests, errors, p50, p99, duration, _ = re.search(r"RESULT (.*)", out).group(1).split()
    return {
        "rps": int(requests) / (float(duration) / 1e6),
        "errors": int(errors),
        "p50_ms": int(p50) / 1000,
        "p99_ms": int(p99) / 1000,
        "requests": int(requests),
    }


def group_cpu_seconds(group: int) -> float:
    """User and system CPU time of every process in a process group (a server started in a
    session of its own: uvicorn, and Savor's writer process and fork server), with what its
    ended children used. Unlike requests per second, CPU time per request barely moves when
    other work shares the cores, so it compares two builds measured at different moments."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        # After the name: state, ppid, pgrp, …; utime, stime, cutime, cstime are 12-15.
        if int(fields[2]) == group:
            total += sum(int(f) for f in fields[11:15])
    return total / tick


def loaded(base: str, group: int, tokens: list[str], seconds: int, connections: int) -> dict:
    """wrk's figures, and the server's CPU milliseconds per request over the same run."""
    before = group_cpu_seconds(group)
    result = run_wrk(base, "/api/v1/responses", tokens, seconds, connections)
    used = group_cpu_seconds(group) - before
    return result | {"cpu_ms": 1000 * used / max(result["requests"], 1)}


def measure(label: str, env: dict[str, str], seconds: int, connections: int) -> None:
    data_dir = Path(env["SAVOR_DATA_DIR"])
    demo = subprocess.run(
        [sys.executable, "-m", "savor.cli", "codes", "create", "demo", "--count", "64", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    codes = json.loads(demo.stdout)["codes"]
    port, bare_port = free_port(), free_port()
    app = start_server(["-m", "savor.cli", "serve", "--port", str(port)], env)
    bare = start_server(["-m", "benchmarks.bare_app", str(bare_port)], env)
    try:
        tokens = enroll_many(f"http://127.0.0.1:{port}", codes)
        for base in (f"http://127.0.0.1:{bare_port}", f"http://127.0.0.1:{port}"):
            run_wrk(base, "/api/v1/responses", tokens, WARMUP_SECONDS, connections)
        bare_result = loaded(
            f"http://127.0.0.1:{bare_port}", bare.pid, tokens, seconds, connections
        )
        stored_before = count_responses(env)
        real = loaded(f"http://127.0.0.1:{port}", app.pid, tokens, seconds, connections)
    finally:
        stop_server(app)
        stop_server(bare)
    stored = count_responses(env) - stored_before
    ratio = real["rps"] / bare_result["rps"]
    print(
        f"{label:10} bare  {bare_result['rps']:8.0f} req/s  p50 {bare_result['p50_ms']:6.1f} ms"
        f"  p99 {bare_result['p99_ms']:6.1f} ms  errors {bare_result['errors']}"
        f"  cpu {bare_result['cpu_ms']:5.2f} ms/req"
    )
    print(
        f"{label:10} savor {real['rps']:8.0f} req/s  p50 {real['p50_ms']:6.1f} ms"
        f"  p99 {real['p99_ms']:6.1f} ms  errors {real['errors']}  stored {stored}"
        f"/{real['requests']}  ratio {ratio:.2f}  cpu {real['cpu_ms']:5.2f} ms/req"
    )
    shutil.rmtree(data_dir, ignore_errors=True)


def count_responses(env: dict[str, str]) -> int:
    from sqlalchemy import text

    from savor.config import Settings
    from savor.db import make_engine

    old = dict(os.environ)
    os.environ.update(env)
    try:
        engine = make_engine(Settings().resolved_database_url)
    finally:
        os.environ.clear()
        os.environ.update(old)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM response")).scalar_one()
    engine.dispose()
    return int(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("SAVOR_")}
    base_env |= {"SAVOR_SCHEDULER_ENABLED": "false", "SAVOR_LOG_LEVEL": "WARNING"}
    print(
        f"ingest benchmark: {args.connections} connections, {args.seconds} s, "
        f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}"
    )
    sqlite_env = base_env | {"SAVOR_DATA_DIR": tempfile.mkdtemp(prefix="savor-bench-")}
    subprocess.run(
        [sys.executable, "-m", "savor.cli", "demo", "--json"],
        env=sqlite_env,
        capture_output=True,
        check=True,
    )
    measure("sqlite", sqlite_env, args.seconds, args.connections)
    if not args.sqlite_only:
        with postgres_database() as (url, secret_env):
            pg_env = (
                base_env
                | secret_env
                | {
                    "SAVOR_DATABASE_URL": url,
                    "SAVOR_DATA_DIR": tempfile.mkdtemp(prefix="savor-bench-"),
                }
            )
            subprocess.run(
                [sys.executable, "-m", "savor.cli", "demo", "--json"],
                env=pg_env,
                capture_output=True,
                check=True,
            )
            measure("postgresql", pg_env, args.seconds, args.connections)


if __name__ == "__main__":
    main()
