"""Lighthouse's mobile performance score for the app's first screen. Target: at least 0.95.

Starts `savor serve` on a fresh SQLite demo and runs Lighthouse 12 (through `npx`, from the
npm registry) against it with Debian's Chromium, headless, in its default mobile profile
(a mid-range phone: 4x slower CPU, simulated slow 4G). It opens the app as a new visitor
would, with no sign-in kept. Prints the score, the metrics behind it and the machine's load
average; exits 0 when the score meets the target, 1 when it does not, and 0 with a note when
Lighthouse cannot run here (no `npx`, no Chromium, or no way to fetch the package).

    flock /tmp/savor-bench.lock .venv/bin/python -m benchmarks.pwa_lighthouse [--runs 3]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

from benchmarks.common import free_port, start_server, stop_server
from benchmarks.pwa_first_view import CHROMIUM

TARGET = 0.95
LIGHTHOUSE = "lighthouse@12"
METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)


def _serve(data_dir: str) -> tuple[str, subprocess.Popen]:
    port = str(free_port())
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAVOR_")}
    env |= {"SAVOR_DATA_DIR": data_dir, "SAVOR_SCHEDULER_ENABLED": "false"}
    env |= {"SAVOR_LOG_LEVEL": "WARNING"}
    subprocess.run(
        [sys.executable, "-m", "savor.cli", "demo", "--json"],
        env=env,
        capture_output=True,
        check=True,
    )
    server = start_server(["-m", "savor.cli", "serve", "--port", port], env, "/readyz")
    return f"http://127.0.0.1:{port}/", server


def _lighthouse(npx: str, url: str, out: str) -> dict | None:
    command = [
        npx,
        "--yes",
        LIGHTHOUSE,
        url,
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        "--only-categories=performance",
        "--form-factor=mobile",
        "--output=json",
        f"--output-path={out}",
        "--quiet",
    ]
    env = os.environ | {"CHROME_PATH": CHROMIUM}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not os.path.exists(out):
        print(f"Lighthouse failed (exit {done.returncode}): {done.stderr.strip()[-600:]}")
        return None
    with open(out, encoding="utf-8") as file:
        return json.load(file)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    npx = shutil.which("npx")
    if npx is None or not os.path.exists(CHROMIUM):
        print("Skipped: Lighthouse needs `npx` (Node.js) and Chromium, and one is missing here.")
        return 0
    scores: list[float] = []
    metrics: dict[str, list[float]] = {name: [] for name in METRICS}
    with tempfile.TemporaryDirectory() as tmp:
        url, server = _serve(tmp)
        try:
            for run in range(runs):
                load = os.getloadavg()[0]
                report = _lighthouse(npx, url, os.path.join(tmp, f"report-{run}.json"))
                if report is None:
                    print("Skipped: Lighthouse could not run (see above).")
                    return 0
                score = report["categories"]["performance"]["score"]
                scores.append(score)
                for name in METRICS:
                    metrics[name].append(report["audits"][name]["numericValue"])
                print(f"run {run + 1}: score {score:.2f}  load {load:.1f}")
        finally:
            stop_server(server)
    print(f"\nLighthouse mobile performance, {runs} runs, median: {statistics.median(scores):.2f}")
    for name in METRICS:
        value = statistics.median(metrics[name])
        unit = "" if name == "cumulative-layout-shift" else " ms"
        print(f"  {name:26} {value:8.{3 if not unit else 0}f}{unit}")
    verdict = "meets" if statistics.median(scores) >= TARGET else "is BELOW"
    print(f"\nThe median {verdict} the {TARGET} target. Load average now: {os.getloadavg()[0]:.1f}")
    return 0 if statistics.median(scores) >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
