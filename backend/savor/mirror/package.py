"""The mirror's `datapackage.json`: a Frictionless Tabular Data Package, one Table Schema per
dataset. Field types are the server's where it publishes a data package, otherwise read from
the JSON values pulled (see `rows.field`)."""

import re
from typing import Any

from savor.mirror import rows

PACKAGE = "datapackage.json"


def path_of(dataset: str) -> str:
    return f"{dataset}.csv"


def _server_resources(server: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    found = (server or {}).get("resources") or []
    return {r["name"]: r for r in found if isinstance(r, dict) and isinstance(r.get("name"), str)}


def key_of(dataset: str, server: dict[str, Any] | None) -> tuple[str, ...] | None:
    """How a dataset's rows are identified: the server's primary key, else the known one."""
    schema = _server_resources(server).get(dataset, {}).get("schema") or {}
    primary = schema.get("primaryKey")
    if isinstance(primary, str):
        return (primary,)
    if isinstance(primary, list) and primary:
        return tuple(primary)
    return rows.KEYS.get(dataset)


def resource(dataset: str, entry: dict[str, Any], server: dict[str, Any] | None) -> dict:
    offered = _server_resources(server).get(dataset, {})
    published = {
        f["name"]: f
        for f in (offered.get("schema") or {}).get("fields") or []
        if isinstance(f, dict) and "name" in f
    }
    kinds = entry.get("kinds", {})
    fields = [published.get(c) or rows.field(c, kinds.get(c, [])) for c in entry["columns"]]
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    key = key_of(dataset, server)
    if key:
        schema["primaryKey"] = list(key)
    described = {k: offered[k] for k in ("title", "description") if k in offered}
    return {
        "name": dataset,
        "path": path_of(dataset),
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        **described,
        "schema": schema,
    }


def build(
    *, study: str, url: str, datasets: dict[str, dict[str, Any]], server: dict[str, Any] | None
) -> dict[str, Any]:
    """The package describing every dataset file in the mirror."""
    document = {k: v for k, v in (server or {}).items() if k != "resources"}
    name = re.sub(r"[^a-z0-9._-]+", "-", study.lower()).strip("-") or "study"
    document.setdefault("name", name)
    document.setdefault("title", f"Study {study}: mirrored data")
    document |= {
        "profile": "tabular-data-package",
        "sources": [{"title": "Savor research API", "path": url}],
        "resources": [
            resource(dataset, entry, server)
            for dataset, entry in datasets.items()
            if entry.get("columns")
        ],
    }
    return document
