"""What the mirror takes from the server when it offers more, or less: deletions and a data
package.

The server does not offer deletions yet, and a server of an earlier release offers no data
package; these tests stand in for it at the edge of the network (see the README's "Mirrors"
for the contract) and leave every other request to the live one.
"""

import json
from pathlib import Path

import httpx

from savor import mirror
from savor.mirror import files
from savor.mirror.pull import DATASETS
from tests.factories import bearer
from tests.mirror.conftest import Live
from tests.mirror.phones import fresh_export, mirrored
from tests.mirror.through import Through

DELETIONS_PATH = "/api/research/v1/studies/pilot/export/deletions"


def _pull(live: Live, directory: Path, transport=None) -> mirror.PullReport:
    return live.pull(directory, transport)


def _delete(live: Live, pseudonym: str) -> None:
    token = live.token_file.read_text().strip()
    gone = httpx.delete(
        f"{live.url}/api/research/v1/studies/pilot/participants/{pseudonym}", headers=bearer(token)
    )
    assert gone.status_code == 204, gone.text


class Deletions:
    """A server's `deletions` dataset: the n-th deletion at position n, as a cursor sees it."""

    def __init__(self) -> None:
        self.deleted: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response | None:
        if request.url.path != DELETIONS_PATH:
            return None
        since = int(request.url.params["since"])
        rows = [
            {"pseudonym": p, "deleted_at": "2026-03-02T10:00:00.000Z"}
            for position, p in enumerate(self.deleted, start=1)
            if position >= since
        ]
        body = "".join(json.dumps(r) + "\n" for r in rows)
        return httpx.Response(
            200, headers={"Savor-Next-Since": str(len(self.deleted) + 1)}, text=body
        )


def test_participants_the_server_lists_as_deleted_leave_the_mirror(live, tmp_path):
    ana, bea = live.phone(), live.phone()
    ana.checkin(stress=3, craving=2)
    ana.practice(pre=6, post=3)
    bea.checkin(stress=5, craving=4)
    deletions = Deletions()
    _pull(live, tmp_path, Through(deletions))
    [ana_pseudonym] = [r["pseudonym"] for r in mirrored(tmp_path, "practice_sessions").values()]
    _delete(live, ana_pseudonym)
    deletions.deleted.append(ana_pseudonym)

    report = _pull(live, tmp_path, Through(deletions))

    assert report.deleted == 1
    token = live.token_file.read_text().strip()
    for dataset in DATASETS:
        rows = mirrored(tmp_path, dataset)
        assert rows == fresh_export(live.url, token, dataset), dataset
        assert ana_pseudonym not in {r["pseudonym"] for r in rows.values()}
    assert files.read_state(tmp_path, url=live.url, study="pilot")["deletions"]["since"] == 2


def _no_deletions(request: httpx.Request) -> httpx.Response | None:
    """A server from before deletions were listed."""
    if request.url.path.endswith("/export/deletions"):
        return httpx.Response(404, json={"error": {"code": "not_found", "message": "Not Found"}})
    return None


def test_without_deletions_offered_nothing_is_deleted_and_the_pull_says_so(live, tmp_path):
    live.phone().checkin(stress=3, craving=2)
    _pull(live, tmp_path, Through(_no_deletions))
    [pseudonym] = [k[0] for k in mirrored(tmp_path, "participants")]
    _delete(live, pseudonym)
    report = _pull(live, tmp_path, Through(_no_deletions))
    assert report.deleted is None
    assert [k[0] for k in mirrored(tmp_path, "participants")] == [pseudonym]


def _resources(directory: Path) -> dict[str, dict]:
    document = json.loads((directory / "datapackage.json").read_text())
    return {r["name"]: r for r in document["resources"]}


def _no_package(request: httpx.Request) -> httpx.Response | None:
    if request.url.path.endswith("/codebook") and request.url.params.get("format") == "datapackage":
        return httpx.Response(422, json={"error": {"code": "invalid_input", "message": "format"}})
    return None


def test_without_the_servers_data_package_types_come_from_the_json_values(live, tmp_path):
    live.phone().checkin(stress=3, craving=2)
    report = _pull(live, tmp_path, Through(_no_package))
    assert report.server_package is False
    resources = _resources(tmp_path)
    assert list(resources) == DATASETS
    responses = resources["responses"]
    types = {f["name"]: f["type"] for f in responses["schema"]["fields"]}
    header = (tmp_path / "responses.csv").read_text().splitlines()[0].split(",")
    assert list(types) == header
    assert types["late"] == "boolean"
    assert types["item_position"] == "integer"
    assert types["submitted_at_utc"] == "datetime"
    assert types["local_date"] == "date"
    assert types["pseudonym"] == "string"
    assert responses["schema"]["primaryKey"] == ["response_ref", "item_id"]
    assert responses["path"] == "responses.csv"


def _package(request: httpx.Request) -> httpx.Response | None:
    if not request.url.path.endswith("/codebook"):
        return None
    assert request.url.params["format"] == "datapackage"
    value = {"name": "value", "type": "any", "description": "see the codebook for its item"}
    return httpx.Response(
        200,
        json={
            "name": "pilot",
            "title": "Pilot study",
            "resources": [
                {"name": "responses", "schema": {"fields": [value]}},
                {"name": "sleep_logs", "schema": {"fields": [], "primaryKey": ["sleep_ref"]}},
            ],
        },
    )


def test_the_servers_data_package_gives_types_and_lists_new_datasets(live, tmp_path):
    live.phone().checkin(stress=3, craving=2)
    report = _pull(live, tmp_path, Through(_package))
    assert report.server_package is True
    document = json.loads((tmp_path / "datapackage.json").read_text())
    assert (document["name"], document["title"]) == ("pilot", "Pilot study")
    fields = {f["name"]: f for f in _resources(tmp_path)["responses"]["schema"]["fields"]}
    assert fields["value"]["description"] == "see the codebook for its item"
    assert fields["late"]["type"] == "boolean"  # what the server leaves out is still typed
    [sleep_logs] = [d for d in report.datasets if d.name == "sleep_logs"]
    assert sleep_logs.note == "not offered by the server"
    assert not (tmp_path / "sleep_logs.csv").exists()
