"""The research API as the mirror uses it: exports as NDJSON, the data package, deletions."""

import csv
import json
from collections.abc import Callable
from typing import Any

import httpx

from savor.mirror.files import MirrorError

NEXT_SINCE = "Savor-Next-Since"
TIMEOUT = httpx.Timeout(30.0, read=300.0)  # a large first pull streams for a while


class Server:
    """One study on one server, read with one research token."""

    def __init__(
        self,
        *,
        url: str,
        token: str,
        study: str,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.client = httpx.Client(
            base_url=f"{url}/api/research/v1/studies/{study}",
            headers={"Authorization": f"Bearer {token}", "User-Agent": "savor-pull"},
            transport=transport,
            timeout=TIMEOUT,
            follow_redirects=False,  # the token goes to the address given, nowhere else
        )

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *_: object) -> None:
        self.client.close()

    def data_package(self) -> dict[str, Any] | None:
        """The server's own data package, or None while it offers none."""
        answer = self.client.get("/codebook", params={"format": "datapackage"})
        _refuse_access(answer)
        if answer.status_code != 200:
            return None
        try:
            document = answer.json()
        except ValueError:
            return None
        resources = document.get("resources") if isinstance(document, dict) else None
        return document if isinstance(resources, list) else None

    def export(
        self, dataset: str, since: int, take: Callable[[dict[str, Any]], None]
    ) -> int | None:
        """Stream the dataset's rows changed since `since` into `take`; returns the next
        `since`, or None when the server does not offer this dataset."""
        path, params = _request(dataset, {"format": "ndjson", "since": since})
        with self.client.stream("GET", path, params=params) as answer:
            if answer.status_code != 200:
                answer.read()
                if _not_offered(answer):
                    return None
                _refuse_access(answer)
                raise MirrorError(f"The server answered {dataset} with {_said(answer)}.")
            next_since = _next_since(answer, dataset)
            for line in answer.iter_lines():
                if line:
                    take(json.loads(line))
        return next_since

    def header(self, dataset: str, since: int) -> list[str]:
        """A dataset's columns, from the first line of its CSV."""
        path, params = _request(dataset, {"format": "csv", "since": since})
        with self.client.stream("GET", path, params=params) as answer:
            if answer.status_code != 200:
                answer.read()
                raise MirrorError(f"The server answered {dataset} with {_said(answer)}.")
            for line in answer.iter_lines():
                return next(csv.reader([line]), [])
        return []


WIDE = "-wide"


def _request(dataset: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The export route and query of a data package resource: `responses-wide` is the
    responses dataset in the wide shape."""
    if dataset.endswith(WIDE):
        return f"/export/{dataset.removesuffix(WIDE)}", {**params, "shape": "wide"}
    return f"/export/{dataset}", params


def _next_since(answer: httpx.Response, dataset: str) -> int:
    try:
        return int(answer.headers[NEXT_SINCE])
    except (KeyError, ValueError) as exc:
        raise MirrorError(
            f"The server sent {dataset} without a {NEXT_SINCE} header: is --url a Savor server?"
        ) from exc


def _error(answer: httpx.Response) -> dict[str, Any]:
    try:
        error = answer.json().get("error")
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, dict) else {}


def _said(answer: httpx.Response) -> str:
    error = _error(answer)
    message = error.get("message") or answer.reason_phrase
    return f"{answer.status_code} {error.get('code', '')}: {message}".replace(" :", ":")


def _not_offered(answer: httpx.Response) -> bool:
    # An unknown dataset is a 404, or today a 422 naming the path's `dataset`.
    if answer.status_code == 404:
        return True
    fields = _error(answer).get("fields") or []
    return answer.status_code == 422 and any(
        isinstance(f, dict) and f.get("field") == "dataset" for f in fields
    )


def _refuse_access(answer: httpx.Response) -> None:
    if answer.status_code == 401:
        raise MirrorError(f"The server refused the token ({_said(answer)}). Check --token-file.")
    if answer.status_code == 403:
        raise MirrorError(f"The token may not read this ({_said(answer)}).")
