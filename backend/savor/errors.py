"""One error shape everywhere: {"error": {"code", "message", "fields"?}}."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

GENERIC_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
}


class AppError(Exception):
    """An error the caller can act on; carries its HTTP status and a stable code."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        fields: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take other arguments: rebuilt from their state, so they can cross from
        # the writer process.
        return (_restore_error, (type(self), self.args, self.__dict__))


def _restore_error(cls: type[AppError], args: tuple[Any, ...], state: dict[str, Any]) -> AppError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


def please_check(code: str, fields: list[dict[str, str]]) -> AppError:
    """The 422 naming every field problem at once, in the words a person can act on."""
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return AppError(422, code, f"Please check: {summary}", fields=fields)


def error_body(code: str, message: str, fields: list[dict[str, str]] | None = None) -> dict:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_fields(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {"field": _field_name(tuple(e.get("loc", ()))), "message": str(e.get("msg", "invalid"))}
        for e in errors
    ]


async def _app_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return JSONResponse(
        error_body(exc.code, exc.message, exc.fields), exc.status_code, headers=exc.headers
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = GENERIC_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return JSONResponse(error_body(code, message), exc.status_code, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return await _app_error(
        request, please_check("invalid_input", validation_fields(list(exc.errors())))
    )


# SQLite's extended code and PostgreSQL's SQLSTATE for a full disk, and the OS's own words.
SQLITE_FULL = "SQLITE_FULL"
POSTGRES_DISK_FULL = "53100"
FULL_DISK_WORDS = ("database or disk is full", "No space left on device")
RETRY_AFTER_SECONDS = 30
FOR_PHONE = (
    "Anything you saved stays on your phone and is sent again by itself later. "
    "Please try again in a little while."
)


def full_disk_error(error: BaseException) -> BaseException | None:
    """The error saying the disk is full: this one, or one it arose from; None if neither."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        codes = (getattr(current, "sqlite_errorname", None), getattr(current, "sqlstate", None))
        if SQLITE_FULL in codes or POSTGRES_DISK_FULL in codes:
            return current
        if any(words in str(current) for words in FULL_DISK_WORDS):
            return current
        # A failure while undoing a full write (a savepoint SQLite already rolled back) hides
        # the first error in the chain.
        pending += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return None


def database_error_response(error: BaseException, *, advice: str = FOR_PHONE) -> JSONResponse:
    """The 503 for a database that cannot take the request; nothing of it was stored."""
    if (full := full_disk_error(error)) is not None:
        code, why = "storage_full", "The server's storage is full"
        log.error("database storage is full: %s", _first_line(full))
    else:
        code, why = "database_unavailable", "The server cannot reach its database right now"
        log.warning("database unavailable: %s", _first_line(error))
    return JSONResponse(
        error_body(code, f"{why}. {advice}"),
        503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


async def _database_error(_request: Request, exc: Exception) -> JSONResponse:
    # Nothing was stored: the phone keeps the record in its outbox and sends it again later.
    return database_error_response(exc)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(InterfaceError, _database_error)
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
