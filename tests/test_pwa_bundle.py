"""The phone runs the app's modules bundled: pwa/app.js and pwa/clock.js are what the modules
under pwa/js/ build today (scripts/build_pwa.py, `make pwa`)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_committed_bundles_are_built_from_the_current_modules():
    checked = subprocess.run(
        [sys.executable, "scripts/build_pwa.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_pages_load_the_bundles_and_no_module_of_their_own():
    for page, bundle in (("index.html", "/app.js"), ("clock.html", "/clock.js")):
        html = (ROOT / "pwa" / page).read_text(encoding="utf-8")
        assert f'<script type="module" src="{bundle}"></script>' in html, page
        assert '"/js/' not in html, page
