"""Liveness and readiness for load balancers and container health checks."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from savor import migrate
from savor.errors import database_error_response, error_body

router = APIRouter(tags=["health"])
# Readiness is read by the people running the service, not by a mother's phone.
FOR_OPERATORS = (
    "Check that the database is running, has free disk space and is reachable at "
    "SAVOR_DATABASE_URL. No restart is needed: the service reconnects by itself."
)


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
    except SQLAlchemyError as error:
        return database_error_response(error, advice=FOR_OPERATORS)
    head = migrate.head_revision()
    if current != head:
        message = f"The database is at migration {current}, not {head}; run 'savor db upgrade'."
        return JSONResponse(error_body("migrations_pending", message), 503)
    return {"status": "ready", "database": engine.dialect.name, "migration": head}
