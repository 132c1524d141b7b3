"""What the fixture study's exports must hold, written out by hand."""

import csv
import io
from datetime import datetime

from savor.research.anonymize import record_ref
from savor.studies.pseudonym import pseudonym
from tests.factories import bearer
from tests.research import fixture

EXPORT = "/api/research/v1/studies/pilot/export/"


def get(client, token: str, dataset: str, **params) -> bytes:
    response = client.get(EXPORT + dataset, params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.content


def read_csv(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def clock_columns(row: dict[str, str], main: str) -> dict[str, str]:
    """The row with, beside each _local text, its wall-clock time and UTC offset in minutes,
    and the hour of the `main` moment: worked out from the text by datetime itself."""
    out: dict[str, str] = {}
    for column, text in row.items():
        out[column] = text
        if not column.endswith("_at_local"):
            continue
        local = datetime.fromisoformat(text) if text else None
        offset = local.utcoffset() if local else None
        wall = local.replace(tzinfo=None).isoformat(timespec="milliseconds") if local else ""
        out[f"{column}_wall"] = wall
        out[column.removesuffix("_local") + "_utc_offset_min"] = (
            str(int(offset.total_seconds()) // 60) if offset is not None else ""
        )
        if column == f"{main}_local":
            out[f"{column}_hour"] = str(local.hour) if local else ""
    return out


def names(f: fixture.Fixture) -> dict[str, str]:
    secret = f.study.secret
    return {
        "ana": pseudonym(study_secret=secret, participant_id=f.ana.id),
        "bea": pseudonym(study_secret=secret, participant_id=f.bea.id),
        "answered": record_ref(study_secret=secret, kind="R", record_id=f.answered.id),
        "diary": record_ref(study_secret=secret, kind="R", record_id=f.diary.id),
        "journal": record_ref(study_secret=secret, kind="R", record_id=f.journal.id),
        "prompt": record_ref(study_secret=secret, kind="Q", record_id=f.prompt.id),
        "session": record_ref(study_secret=secret, kind="S", record_id=f.practice.id),
    }


def answered_base(n: dict[str, str]) -> dict[str, str]:
    return clock_columns(_answered_base(n), "submitted_at")


def _answered_base(n: dict[str, str]) -> dict[str, str]:
    return {
        "pseudonym": n["ana"],
        "response_ref": n["answered"],
        "prompt_ref": n["prompt"],
        "prompt_kind": "random",
        "schedule_id": "random_checkin",
        "instrument_id": "momentary",
        "instrument_version": "1",
        "protocol_version": "1",
        "scheduled_at_utc": "2026-03-02T14:00:00.000Z",
        "sent_at_utc": "2026-03-02T14:00:05.000Z",
        "delivered_at_utc": "2026-03-02T14:00:07.000Z",
        "shown_at_utc": "2026-03-02T14:00:07.500Z",
        "clicked_at_utc": "2026-03-02T14:00:59.000Z",
        "dismissed_at_utc": "",
        "opened_at_utc": "2026-03-02T14:01:00.000Z",
        "started_at_utc": "2026-03-02T14:49:30.250Z",
        "submitted_at_utc": "2026-03-02T14:50:00.000Z",
        "received_at_utc": "2026-03-04T09:00:00.000Z",
        "scheduled_at_local": "2026-03-02T08:00:00.000-06:00",
        "sent_at_local": "2026-03-02T08:00:05.000-06:00",
        "delivered_at_local": "2026-03-02T08:00:07.000-06:00",
        "shown_at_local": "2026-03-02T08:00:07.500-06:00",
        "clicked_at_local": "2026-03-02T08:00:59.000-06:00",
        "dismissed_at_local": "",
        "opened_at_local": "2026-03-02T08:01:00.000-06:00",
        "started_at_local": "2026-03-02T08:49:30.250-06:00",
        "submitted_at_local": "2026-03-02T08:50:00.000-06:00",
        "received_at_local": "2026-03-04T03:00:00.000-06:00",
        "timezone": "America/Chicago",
        "local_date": "2026-03-02",
        "late": "true",
        "context_practiced_today": "",
    }


SELF_EMPTY = ("scheduled_at", "sent_at", "delivered_at", "shown_at", "clicked_at")
SELF_EMPTY += ("dismissed_at", "opened_at")


def _self_base(name: str, ref: str, instrument: str, utc: tuple, local: tuple, zone: str, day):
    empty = dict.fromkeys(
        [f"{t}_{z}" for z in ("utc", "local") for t in SELF_EMPTY]
        + ["started_at_utc", "started_at_local"],
        "",
    )
    row = {
        **empty,
        "pseudonym": name,
        "response_ref": ref,
        "prompt_ref": "",
        "prompt_kind": "self",
        "schedule_id": "",
        "instrument_id": instrument,
        "instrument_version": "1",
        "protocol_version": "1",
        "submitted_at_utc": utc[0],
        "received_at_utc": utc[1],
        "submitted_at_local": local[0],
        "received_at_local": local[1],
        "timezone": zone,
        "local_date": day,
        "late": "false",
        "context_practiced_today": "",
    }
    return clock_columns(row, "submitted_at")


def expected_long(n: dict[str, str]) -> list[dict[str, str]]:
    answered = answered_base(n)
    diary = _self_base(
        n["bea"],
        n["diary"],
        "end_of_day",
        ("2026-03-03T03:30:00.000Z", "2026-03-03T03:30:02.000Z"),
        ("2026-03-02T21:30:00.000-06:00", "2026-03-02T21:30:02.000-06:00"),
        "America/Mexico_City",
        "2026-03-02",
    )
    journal = _self_base(
        n["ana"],
        n["journal"],
        "journal",
        ("2026-03-03T18:00:00.000Z", "2026-03-03T18:00:01.000Z"),
        ("2026-03-03T12:00:00.000-06:00", "2026-03-03T12:00:01.000-06:00"),
        "America/Chicago",
        "2026-03-03",
    )

    def item(base, item_id, position, value, declined="false"):
        return (
            base
            | {"item_id": item_id, "item_position": position, "value": value}
            | {"declined": declined}
        )

    return [
        item(answered, "S1", "0", "3"),
        item(answered, "C1", "1", "", "true"),
        item(answered, "B1", "6", "not_with_baby"),
        item(diary, "E1", "0", "0"),
        item(diary, "E3", "2", "2"),
        item(diary, "E4", "3", "false"),
        item(journal, "J2", "1", "7"),
    ]


def key(row: dict) -> tuple:
    return (row["response_ref"], row["item_id"])
