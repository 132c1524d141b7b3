"""Run every benchmark in turn (`make bench`); each prints its own figures and ratios."""

import subprocess
import sys

BENCHMARKS = [
    ["benchmarks.ingest", "--seconds", "15"],
    ["benchmarks.export", "--rows", "100000", "1000000"],
    ["benchmarks.scheduler"],
    ["benchmarks.pwa_first_view"],
    ["benchmarks.pwa_first_step", "--runs", "5"],
    ["benchmarks.pwa_first_step", "--runs", "5", "--taps", "playwright"],
    ["benchmarks.console_participants", "--runs", "5"],
    ["benchmarks.mrt", "--participants", "200", "--days", "28"],
    ["benchmarks.rehearse"],
]


def main() -> None:
    failed = []
    for module, *args in BENCHMARKS:
        print(f"\n== {module} {' '.join(args)}", flush=True)
        if subprocess.run([sys.executable, "-m", module, *args]).returncode != 0:
            failed.append(module)
    if failed:
        sys.exit(f"benchmarks that failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
