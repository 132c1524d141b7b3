"""Interactive API docs, off unless SAVOR_API_DOCS=true: Swagger UI from the installed package.

FastAPI's own /docs loads Swagger UI from a CDN with an inline script, which needs a looser
Content-Security-Policy than the rest of the site. Served from here, the page, its script and
Swagger UI's files all come from this server, so /docs keeps the site's strict policy.
"""

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from swagger_ui_bundle import swagger_ui_path

from savor.errors import AppError

HERE = Path(__file__).parent
# Only what the page uses: the package also ships a demo page that loads a public example API.
SWAGGER_FILES = {"swagger-ui.css", "swagger-ui-bundle.js"}

router = APIRouter(prefix="/docs", include_in_schema=False)


@router.get("")
def read_docs_page() -> FileResponse:
    return FileResponse(HERE / "index.html", media_type="text/html")


@router.get("/init.js")
def read_docs_script() -> FileResponse:
    return FileResponse(HERE / "init.js", media_type="text/javascript")


@router.get("/static/{name}")
def read_swagger_file(name: str) -> FileResponse:
    if name not in SWAGGER_FILES:
        raise AppError(404, "not_found", "There is no such file of the API docs.")
    return FileResponse(Path(str(swagger_ui_path)) / name)


def install(app: FastAPI) -> None:
    app.include_router(router)
