"""The research side of a rehearsal: an incremental pull of every dataset each simulated day
(`since` = the last `Savor-Next-Since`), and at the end every dataset in every format, through
the research API exactly as a data team would call it."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from savor.research.exports.columns import DATASETS
from savor.research.exports.dictionary import PRIMARY_KEYS

# Each dataset's key, as the Data Package declares it.
KEYS: dict[str, tuple[str, ...]] = {name: tuple(key) for name, key in PRIMARY_KEYS.items()}
# Rows of these datasets are written once; the others come again when they change.
APPEND_ONLY = ("responses", "practice_sessions")
Row = dict[str, Any]
Table = dict[tuple[Any, ...], Row]


def key_of(dataset: str, row: Row) -> tuple[Any, ...]:
    if dataset not in KEYS:  # a dataset with no declared key: the whole row is its key
        return (json.dumps(row, sort_keys=True),)
    return tuple(row[name] for name in KEYS[dataset])


@dataclass
class Research:
    http: httpx.AsyncClient
    token: str
    study: str
    since: dict[str, int] = field(default_factory=dict)
    pulled: dict[str, Table] = field(default_factory=dict)
    # Rows of an append-only dataset that came in two pulls (one answer counted twice).
    twice: list[tuple[str, Row]] = field(default_factory=list)
    pulls: int = 0

    async def get(self, path: str, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        url = f"/api/research/v1/studies/{self.study}{path}"
        answer = await self.http.get(url, params=params, headers=headers)
        if answer.status_code != 200:
            raise RuntimeError(f"GET {url} {params}: {answer.status_code} {answer.text[:300]}")
        return answer

    async def pull_increment(self) -> None:
        """What changed in every dataset since the last pull, kept by key."""
        for dataset in DATASETS:
            answer = await self.get(
                f"/export/{dataset}", format="ndjson", since=self.since.get(dataset, 0)
            )
            self.since[dataset] = int(answer.headers["Savor-Next-Since"])
            table = self.pulled.setdefault(dataset, {})
            for row in rows(answer.text):
                key = key_of(dataset, row)
                if dataset in APPEND_ONLY and key in table:
                    self.twice.append((dataset, row))
                table[key] = row
        self.pulls += 1

    async def full(self, dataset: str) -> Table:
        answer = await self.get(f"/export/{dataset}", format="ndjson")
        return {key_of(dataset, row): row for row in rows(answer.text)}

    async def put_protocol(self, source: str) -> dict[str, Any]:
        """A new protocol version, as a study team applies one (scope protocol:write)."""
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/yaml"}
        url = f"/api/research/v1/studies/{self.study}/protocol"
        answer = await self.http.put(url, content=source.encode("utf-8"), headers=headers)
        if answer.status_code != 200:
            raise RuntimeError(f"PUT {url}: {answer.status_code} {answer.text[:300]}")
        return answer.json()

    async def participants(self) -> list[dict[str, Any]]:
        return (await self.get("/participants")).json()

    async def compliance(self) -> dict[str, Any]:
        return (await self.get("/compliance", format="json")).json()

    async def write_everything(self, directory: Path) -> dict[str, int]:
        """Every dataset in every format it has, the codebook and compliance; bytes per file."""
        directory.mkdir(parents=True, exist_ok=True)
        calls: list[tuple[str, str, dict[str, Any]]] = []
        for dataset in DATASETS:
            for fmt in ("csv", "ndjson"):
                calls.append((f"{dataset}.{fmt}", f"/export/{dataset}", {"format": fmt}))
        for fmt in ("csv", "ndjson"):
            calls.append(
                (f"responses-wide.{fmt}", "/export/responses", {"format": fmt, "shape": "wide"})
            )
        calls.append(("responses-fhir.json", "/export/responses", {"format": "fhir"}))
        calls.append(("codebook.json", "/codebook", {"format": "json"}))
        calls.append(("codebook-items.csv", "/codebook", {"format": "csv", "part": "items"}))
        calls.append(("codebook-columns.csv", "/codebook", {"format": "csv", "part": "columns"}))
        calls.append(("datapackage.json", "/codebook", {"format": "datapackage"}))
        calls.append(("compliance.json", "/compliance", {"format": "json"}))
        calls.append(("compliance.csv", "/compliance", {"format": "csv"}))
        sizes: dict[str, int] = {}
        for name, path, params in calls:
            answer = await self.get(path, **params)
            (directory / name).write_bytes(answer.content)
            sizes[name] = len(answer.content)
        return sizes


def rows(text: str) -> list[Row]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
