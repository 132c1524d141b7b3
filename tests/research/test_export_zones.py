"""Every record keeps the zone in force when it happened: she enrolls in Chicago, answers,
moves to Denver, answers and practises, and crosses the 2027 spring-forward; every dataset's
local times follow her history, and participant_states lists it."""

import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

import savor.clock
from savor.research.anonymize import shift_weeks
from savor.studies.models import Participant, Study
from tests.factories import (
    bearer,
    enroll,
    make_code,
    make_research_token,
    make_study,
    practice_body,
)
from tests.research.expected import get, read_csv


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


ENROLLED = at("2027-03-10T15:00:00")  # 09:00 in Chicago (CST, UTC-6)
FIRST_ANSWER = at("2027-03-11T00:10:00")  # 18:10 CST on the 10th
MOVED = at("2027-03-12T18:00:00")  # to Denver (MST, UTC-7)
SECOND_ANSWER = at("2027-03-13T00:10:00")  # 17:10 MST on the 12th
SECOND_PRACTICE = at("2027-03-13T00:10:40")
# US spring-forward: 2027-03-14 02:00 local; Denver is then MDT, UTC-6.
THIRD_ANSWER = at("2027-03-15T16:00:00")  # 10:00 MDT
THIRD_PRACTICE = at("2027-03-15T16:05:00")
STAGE = at("2027-03-15T17:00:00")


@pytest.fixture
def clock(monkeypatch) -> Callable[[datetime], None]:
    """Sets the moment every module of the service reads as now."""
    real = savor.clock.utcnow
    holders = [m for n, m in sys.modules.items() if n.startswith("savor") and m is not None]
    holders = [m for m in holders if getattr(m, "utcnow", None) is real]

    def set_now(moment: datetime) -> None:
        for module in holders:
            monkeypatch.setattr(module, "utcnow", lambda: moment)

    return set_now


def _check_in(client, headers, submitted: datetime) -> None:
    body = {
        "client_id": str(uuid.uuid4()),
        "prompt_id": None,
        "instrument_id": "hard_moment",
        "instrument_version": "1",
        "started_at": (submitted - timedelta(seconds=30)).isoformat(),
        "submitted_at": submitted.isoformat(),
        "answers": [
            {"item_id": i, "value": v, "declined": False}
            for i, v in {"C1": 3, "CTRL": 6, "S1": 4}.items()
        ],
    }
    response = client.post("/api/v1/responses", headers=headers, json=body)
    assert response.status_code in (200, 201), response.text


def _practice(client, headers, started: datetime) -> None:
    body = practice_body(started)
    response = client.post("/api/v1/practice-sessions", headers=headers, json=body)
    assert response.status_code in (200, 201), response.text


def _patch(client, headers, **changes) -> None:
    response = client.patch("/api/v1/me", headers=headers, json=changes)
    assert response.status_code == 200, response.text


@pytest.fixture
def moved(client, session, settings, clock) -> tuple[str, dict[str, str]]:
    """Her whole story through the API; returns a research token and her headers."""
    clock(ENROLLED)
    study = make_study(session)
    headers = bearer(enroll(client, make_code(session, settings, study, now=ENROLLED)))
    clock(FIRST_ANSWER + timedelta(seconds=2))
    _check_in(client, headers, FIRST_ANSWER)
    clock(MOVED)
    _patch(client, headers, timezone="America/Denver")
    clock(SECOND_PRACTICE + timedelta(minutes=11))
    _check_in(client, headers, SECOND_ANSWER)
    _practice(client, headers, SECOND_PRACTICE)
    clock(THIRD_PRACTICE + timedelta(minutes=11))
    _check_in(client, headers, THIRD_ANSWER)
    _practice(client, headers, THIRD_PRACTICE)
    clock(STAGE)
    _patch(client, headers, stage="pregnant")
    return make_research_token(session, study), headers


def _in(zone: str, moment: datetime) -> tuple[str, str, str]:
    """What the _local, _local_wall and _utc_offset_min columns hold in that zone."""
    local = moment.astimezone(ZoneInfo(zone))
    offset = local.utcoffset()
    assert offset is not None
    text = local.isoformat(timespec="milliseconds")
    return text, text[:23], str(int(offset.total_seconds()) // 60)


def _times(row: dict[str, str], name: str) -> tuple[str, str, str]:
    return row[f"{name}_local"], row[f"{name}_local_wall"], row[f"{name}_utc_offset_min"]


def test_each_check_in_keeps_the_zone_and_offset_it_was_answered_in(client, moved):
    token, _ = moved
    rows = {r["submitted_at_utc"]: r for r in read_csv(get(client, token, "responses"))}
    expected = [
        (FIRST_ANSWER, "America/Chicago", "2027-03-10T18:10:00.000-06:00", "-360", "18"),
        (SECOND_ANSWER, "America/Denver", "2027-03-12T17:10:00.000-07:00", "-420", "17"),
        (THIRD_ANSWER, "America/Denver", "2027-03-15T10:00:00.000-06:00", "-360", "10"),
    ]
    assert len(rows) == 3
    for moment, zone, local, offset, hour in expected:
        row = rows[moment.isoformat(timespec="milliseconds")[:-6] + "Z"]
        assert (row["timezone"], row["submitted_at_local"]) == (zone, local)
        assert row["submitted_at_local_wall"] == local[:23]
        assert (row["submitted_at_utc_offset_min"], row["submitted_at_local_hour"]) == (
            offset,
            hour,
        )
        assert row["local_date"] == local[:10]
        started = moment - timedelta(seconds=30)
        assert _times(row, "started_at") == _in(zone, started)


def test_each_practice_session_keeps_the_zone_it_was_started_in(client, moved):
    token, _ = moved
    rows = {r["started_at_utc"]: r for r in read_csv(get(client, token, "practice_sessions"))}
    assert len(rows) == 2
    for moment, offset, hour in ((SECOND_PRACTICE, "-420", "17"), (THIRD_PRACTICE, "-360", "10")):
        row = rows[moment.isoformat(timespec="milliseconds")[:-6] + "Z"]
        assert row["timezone"] == "America/Denver"
        assert _times(row, "started_at") == _in("America/Denver", moment)
        assert (row["started_at_utc_offset_min"], row["started_at_local_hour"]) == (offset, hour)
        ended = moment + timedelta(minutes=10)
        assert _times(row, "ended_at") == _in("America/Denver", ended)


def test_each_prompt_keeps_the_zone_she_was_in_when_it_was_due(client, moved):
    token, _ = moved
    rows = read_csv(get(client, token, "prompts"))
    zones = set()
    for row in rows:
        scheduled = datetime.fromisoformat(row["scheduled_at_utc"].replace("Z", "+00:00"))
        zone = "America/Chicago" if scheduled < MOVED else "America/Denver"
        zones.add(zone)
        assert row["timezone"] == zone
        assert _times(row, "scheduled_at") == _in(zone, scheduled)
        assert row["scheduled_at_local_hour"] == str(scheduled.astimezone(ZoneInfo(zone)).hour)
    assert zones == {"America/Chicago", "America/Denver"}


def test_her_enrollment_stays_in_chicago_after_she_moved(client, moved):
    token, _ = moved
    [row] = read_csv(get(client, token, "participants"))
    assert row["enrolled_at_local"] == "2027-03-10T09:00:00.000-06:00"
    assert (row["enrolled_at_local_wall"], row["enrolled_at_utc_offset_min"]) == (
        "2027-03-10T09:00:00.000",
        "-360",
    )
    assert (row["enrolled_timezone"], row["timezone"], row["stage"]) == (
        "America/Chicago",
        "America/Denver",
        "pregnant",
    )


def test_participant_states_list_her_changes_and_program_weeks_with_times(client, moved):
    token, _ = moved
    rows = read_csv(get(client, token, "participant_states"))
    changes = [
        (r["change"], r["changed"], r["at_local"], r["timezone"], r["stage"], r["program_week"])
        for r in rows
        if r["change"] != "program_week"
    ]
    assert changes == [
        ("enrolled", "", "2027-03-10T09:00:00.000-06:00", "America/Chicago", "", "1"),
        ("settings", "timezone", "2027-03-12T11:00:00.000-07:00", "America/Denver", "", "1"),
        ("settings", "stage", "2027-03-15T11:00:00.000-06:00", "America/Denver", "pregnant", "1"),
    ]
    weeks = [r for r in rows if r["change"] == "program_week"]
    assert [r["program_week"] for r in weeks] == [str(n) for n in range(2, 9)]
    # Week 2 begins at her midnight in Denver (MDT) a week after her enrollment day.
    assert (weeks[0]["at_utc"], weeks[0]["at_local"]) == (
        "2027-03-17T06:00:00.000Z",
        "2027-03-17T00:00:00.000-06:00",
    )
    assert weeks[0]["state_ref"].endswith("-W2")
    assert (weeks[0]["stage"], weeks[0]["wake_time"]) == ("pregnant", "07:00:00")
    assert [r["at_utc"] for r in rows] == sorted(r["at_utc"] for r in rows)


def test_participant_states_pull_incrementally(client, moved, clock):
    token, headers = moved
    response = client.get(
        "/api/research/v1/studies/pilot/export/participant_states", headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    since = response.headers["Savor-Next-Since"]
    assert read_csv(get(client, token, "participant_states", since=since)) == []
    clock(STAGE + timedelta(days=1))
    _patch(client, headers, wake_time="06:30")
    _patch(client, headers, language="es")  # no new state: her language names no moment
    later = read_csv(get(client, token, "participant_states", since=since))
    assert [(r["change"], r["changed"]) for r in later if r["change"] != "program_week"] == [
        ("settings", "wake_time")
    ]
    # Her program calendar comes again with her change, the latest copy by key.
    assert [r["state_ref"][-3:] for r in later if r["change"] == "program_week"][-1] == "-W8"
    assert {r["wake_time"] for r in later if r["at_utc"] > "2027-03-16T17:00:00.000Z"} == {
        "06:30:00"
    }


def test_shifted_states_move_back_by_her_weeks_and_keep_her_offset(client, session, moved):
    token, _ = moved
    her = session.exec(select(Participant)).one()
    her.agreed_features = {"date_shift_exports": True}
    session.add(her)
    session.commit()
    weeks = shift_weeks(
        study_secret=session.exec(select(Study)).one().secret, participant_id=her.id
    )
    rows = read_csv(get(client, token, "participant_states"))
    moved_row = next(r for r in rows if r["changed"] == "timezone")
    shifted = MOVED - timedelta(weeks=weeks)
    assert moved_row["at_utc"] == shifted.isoformat(timespec="milliseconds")[:-6] + "Z"
    # Her wall clock moves back by whole weeks; the offset she really had stays.
    wall = datetime(2027, 3, 12, 11) - timedelta(weeks=weeks)
    assert moved_row["at_local_wall"] == wall.isoformat(timespec="milliseconds")
    assert (moved_row["at_utc_offset_min"], moved_row["at_local_hour"]) == ("-420", "11")
