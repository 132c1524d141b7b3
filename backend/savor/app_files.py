"""The app's files as a phone gets them: everything in `pwa/` but the modules under `pwa/js/`.

Those modules reach her bundled, as `/app.js` and `/clock.js` (scripts/build_pwa.py). Served
alone, a module would be a second copy of the app's code beside the one her page runs, so
they are neither served nor listed in `/version.json`.
"""

from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope

SOURCES = "js"


def is_source(relative_path: str) -> bool:
    """Whether a path inside `pwa/` (no leading slash) is one of the bundled modules."""
    first = relative_path.lstrip("/").split("/", 1)[0]
    return first == SOURCES


class AppFiles(StaticFiles):
    """StaticFiles over `pwa/` that answers 404 for the bundled modules."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if is_source(path):
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)
