"""The responses export's fast time path writes what utc_text and local_text write, for any
instant, zone and shift, from the driver's value on SQLite (text) and PostgreSQL (aware)."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite
from sqlmodel import Session, select

from savor.research.anonymize import local_columns, local_hour, local_text, utc_text
from savor.research.exports.driver import time_texts
from savor.sqltypes import UTCDateTime
from savor.studies.models import ParticipantState
from tests.research.expected import get, read_csv
from tests.research.fixture import Fixture

ZONES = sorted(available_timezones())
# Zones whose offsets are the hard cases: DST both ways, half and quarter hours, a half-hour
# DST, a negative DST, and LMT offsets with seconds.
TRICKY = ["America/Chicago", "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns"]
TRICKY += ["Europe/Dublin", "Europe/Amsterdam", "Africa/Monrovia", "Pacific/Chatham"]
# What SQLite stores for an aware time, through the column's own type.
STORED = UTCDateTime().bind_processor(sqlite.dialect())

instants = st.datetimes(min_value=datetime(1800, 1, 1), max_value=datetime(2100, 1, 1))
zones = st.one_of(st.sampled_from(ZONES), st.sampled_from(TRICKY))
# psycopg hands a time over in the session's zone, which need not be UTC.
session_offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


def _plain(at: datetime, zone: str, weeks: int) -> tuple[str | None, str | None]:
    return utc_text(at, weeks), local_text(at, zone, weeks)


@settings(max_examples=400, deadline=None)
@given(instant=instants, zone=zones, weeks=st.integers(0, 52), session=session_offsets)
@example(datetime(2026, 3, 8, 7, 59, 59, 999999), "America/Chicago", 0, UTC)
@example(datetime(2026, 3, 8, 8, 0), "America/Chicago", 3, UTC)
@example(datetime(2026, 11, 1, 6, 30, 0, 500), "America/Chicago", 0, UTC)
@example(datetime(2026, 4, 4, 14, 59, 59), "Australia/Lord_Howe", 1, UTC)
@example(datetime(1880, 6, 1, 12, 0, 0, 123456), "Europe/Amsterdam", 52, UTC)
@example(datetime(1850, 1, 1), "America/Chicago", 0, UTC)
def test_fast_times_match_the_plain_path(
    instant: datetime, zone: str, weeks: int, session: timezone
) -> None:
    at = instant.replace(tzinfo=UTC)
    expected = _plain(at, zone, weeks)
    shift = timedelta(weeks=weeks)
    assert time_texts(STORED(at), ZoneInfo(zone), shift) == expected
    assert time_texts(at.astimezone(session), ZoneInfo(zone), shift) == expected


@settings(max_examples=200, deadline=None)
@given(instant=instants, zone=zones, separator=st.sampled_from(" T"), digits=st.integers(0, 6))
def test_times_stored_in_other_iso_shapes_match_too(
    instant: datetime, zone: str, separator: str, digits: int
) -> None:
    # Text written by hand or by another tool: a T, fewer digits, a comma before them.
    at = instant.replace(tzinfo=UTC)
    fraction = f"{at.microsecond:06d}"[:digits]
    text = at.strftime(f"%Y-%m-%d{separator}%H:%M:%S")
    expected = _plain(at.replace(microsecond=int(fraction.ljust(6, "0"))), zone, 0)
    for mark in ".,":
        raw = text + mark + fraction if digits else text
        assert time_texts(raw, ZoneInfo(zone), timedelta(0)) == expected


def test_missing_times_stay_missing() -> None:
    assert time_texts(None, ZoneInfo("UTC"), timedelta(0)) == (None, None)


# Stored and read back through each database: LMT seconds, a DST edge, the last microsecond.
STORED_TIMES = [
    (datetime(1850, 1, 1, 12, 0, 0, 999_999, tzinfo=UTC), "Europe/Amsterdam"),
    (datetime(2026, 3, 8, 7, 59, 59, 999_999, tzinfo=UTC), "America/Chicago"),
    (datetime(2026, 4, 4, 14, 30, 0, 1, tzinfo=UTC), "Australia/Lord_Howe"),
]


def test_stored_times_export_as_the_plain_path_writes_them(
    client, session: Session, study: Fixture, token: str
) -> None:
    answered = study.answered
    # Her one state: the zone in force for every check-in of hers.
    state = session.exec(
        select(ParticipantState).where(ParticipantState.participant_id == study.ana.id)
    ).one()
    for at, zone in STORED_TIMES:
        answered.started_at, state.timezone = at, zone
        session.add_all([answered, state])
        session.commit()
        row = next(r for r in read_csv(get(client, token, "responses")) if r["late"] == "true")
        assert (row["started_at_utc"], row["started_at_local"]) == _plain(at, zone, 0)


modern = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))


@settings(max_examples=300, deadline=None)
@given(instant=modern, zone=zones, weeks=st.integers(0, 52))
def test_wall_clock_and_offset_columns_say_what_the_local_text_says(
    instant: datetime, zone: str, weeks: int
) -> None:
    text = local_text(instant.replace(tzinfo=UTC), zone, weeks)
    assert text is not None
    local = datetime.fromisoformat(text)
    offset = local.utcoffset()
    assert offset is not None
    wall, minutes = local_columns(text)
    assert wall == local.replace(tzinfo=None).isoformat(timespec="milliseconds")
    assert minutes == offset.total_seconds() / 60
    assert local_hour(text) == local.hour
