"""Bundle the app's ES modules for the phone: pwa/js/app.js into pwa/app.js, and the quick-exit
clock (pwa/js/clock.js) into pwa/clock.js, each with every module it imports, minified.

A slow phone spends a turn of its CPU on every file a page asks for: one file opens the app
sooner than a dozen modules did. The bundles are committed, so the service and its image need
no Node; `make pwa` writes them again after a change under pwa/js/, and a test fails while
they do not match the sources.

    make pwa                          # or: python scripts/build_pwa.py
    python scripts/build_pwa.py --check
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PWA = ROOT / "pwa"
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"
# Bundle (served at /<name>) -> the module it starts from.
ENTRIES = {"app.js": "js/app.js", "clock.js": "js/clock.js"}
BANNER = "// Built by `make pwa` from pwa/js/: edit the modules there, not this file."


def build(out_dir: Path) -> list[Path]:
    """Writes each bundle into `out_dir` and returns their paths."""
    if not ESBUILD.exists():
        raise SystemExit(f"{ESBUILD} is missing: `make pwa` (or `npm ci`) installs esbuild.")
    written = []
    for name, entry in ENTRIES.items():
        target = out_dir / name
        subprocess.run(
            [
                str(ESBUILD),
                str(PWA / entry),
                "--bundle",
                "--format=esm",
                "--minify",
                "--charset=utf8",
                "--log-level=warning",
                f"--banner:js={BANNER}",
                f"--outfile={target}",
            ],
            cwd=ROOT,
            check=True,
        )
        written.append(target)
    return written


def stale() -> list[str]:
    """The bundles in pwa/ that differ from what the current sources build."""
    with tempfile.TemporaryDirectory() as tmp:
        return [
            fresh.name
            for fresh in build(Path(tmp))
            if not (PWA / fresh.name).exists()
            or (PWA / fresh.name).read_bytes() != fresh.read_bytes()
        ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether they are current")
    if parser.parse_args().check:
        if outdated := stale():
            print(f"Out of date with pwa/js/: {', '.join(outdated)}. Run `make pwa`.")
            return 1
        print("The bundles match pwa/js/.")
        return 0
    for path in build(PWA):
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
