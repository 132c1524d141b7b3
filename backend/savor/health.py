"""Liveness and readiness for load balancers and container health checks."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from savor import migrate
from savor.errors import error_body

router = APIRouter(tags=["health"])


@router.get("/healthz")
def read_health() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def read_readiness(request: Request) -> dict[str, str] | JSONResponse:
    """The database answers and its schema is at the newest migration."""
    engine = request.app.state.engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = migrate.current_revision(engine)
    except SQLAlchemyError:
        return JSONResponse(
            error_body("database_unreachable", "The database does not answer."), 503
        )
    head = migrate.head_revision()
    if current != head:
        message = f"The database is at migration {current}, not {head}; run 'savor db upgrade'."
        return JSONResponse(error_body("migrations_pending", message), 503)
    return {"status": "ready", "database": engine.dialect.name, "migration": head}
