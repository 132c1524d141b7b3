"""Request-scoped access to what the app was started with.

These read `app.state` and nothing else, so they are `async def`: FastAPI runs a plain `def`
dependency on a worker thread, and a thread hand-off per dependency was a good part of what a
small request cost.
"""

from typing import Annotated

from fastapi import Depends, Request

from savor.config import Settings
from savor.ratelimit import FailureLimiter
from savor.storing.thread import WriteQueue


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_enroll_limiter(request: Request) -> FailureLimiter:
    return request.app.state.enroll_limiter


async def get_writer(request: Request) -> WriteQueue:
    return request.app.state.writer


def client_key(request: Request) -> str:
    # Used only as an in-memory key for the failure window; never stored or logged.
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
EnrollLimiterDep = Annotated[FailureLimiter, Depends(get_enroll_limiter)]
ClientKeyDep = Annotated[str, Depends(client_key)]
WriterDep = Annotated[WriteQueue, Depends(get_writer)]
