"""The baseline: the same check-in body validated by FastAPI, stored nowhere.

python -m benchmarks.bare_app PORT
"""

import sys

import uvicorn
from fastapi import FastAPI, Header

from savor.ema.models import ResponseCreate
from savor.main import NO_TELEMETRY

# Configured as Savor's app is (no telemetry), so the two differ only in what they do.
app = FastAPI(telemetry=NO_TELEMETRY)


@app.get("/healthz")
def read_health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/api/v1/responses", status_code=201)
def create_response(body: ResponseCreate, authorization: str = Header()) -> dict[str, object]:
    """Validate and answer as the real endpoint would, without touching a database."""
    return {"client_id": str(body.client_id), "late": False, "offers": []}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
