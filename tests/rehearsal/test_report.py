"""The report's protocol warnings, from exported rows alone (no rehearsal run)."""

from datetime import UTC, datetime
from typing import Any

from savor.rehearsal.pushbox import PushBox
from savor.rehearsal.report import waves_on_empty_days
from savor.rehearsal.world import World


def prompt(day: str, kind: str, schedule: str) -> dict[str, Any]:
    return {
        "pseudonym": "P-1",
        "local_date": day,
        "prompt_kind": kind,
        "schedule_id": schedule,
        "status": "expired",
    }


def world(prompts: list[dict[str, Any]]) -> World:
    participant = {"pseudonym": "P-1", "timezone": "UTC", "enrolled_at_local": "2027-03-01"}
    return World(
        phones=[],
        pushbox=PushBox(),
        pulled={},
        final={
            "prompts": {(i,): row for i, row in enumerate(prompts)},
            "participants": {("P-1",): participant},
        },
        twice=[],
        compliance={},
        end=datetime(2027, 3, 31, tzinfo=UTC),
    )


def test_a_wave_on_a_day_without_check_ins_is_warned_of() -> None:
    rows = [
        prompt("2027-03-06", "wave", "week1"),  # a Saturday: the schedule runs on weekdays
        prompt("2027-03-05", "checkin", "daily"),
        prompt("2027-03-08", "wave", "week2"),
        prompt("2027-03-08", "checkin", "daily"),
    ]

    found = waves_on_empty_days(world(rows))

    assert found == [
        "week1: opened on 1 participant-day(s) with no waking window "
        "(no check-in schedule runs that day)"
    ]


def test_a_wave_on_her_enrollment_day_is_not_warned_of() -> None:
    rows = [prompt("2027-03-01", "wave", "baseline")]  # she may have joined in the evening

    assert waves_on_empty_days(world(rows)) == []
