"""Times a phone sends: a clock reset to year 1 or set to 9999 is a 422 naming the field,
never a 500 the phone's outbox would retry for ever, and nothing is stored."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import func
from sqlmodel import select

from savor.clock import utcnow
from savor.ema.models import Response
from savor.phone_time import PhoneTime
from savor.practices.models import PracticeSession
from tests.factories import make_participant, practice_body

BEYOND = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


def _check_in(**times: str) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "instrument_id": "hard_moment",
        "instrument_version": "1",
        "started_at": (utcnow() - timedelta(minutes=2)).isoformat(),
        "submitted_at": (utcnow() - timedelta(minutes=1)).isoformat(),
        "answers": [{"item_id": "C1", "value": 3}, {"item_id": "S1", "value": 4}],
    } | times


def _practice(**times: str) -> dict:
    return practice_body(**times)


ROUTES = [
    ("/api/v1/responses", _check_in, "started_at", Response),
    ("/api/v1/responses", _check_in, "submitted_at", Response),
    ("/api/v1/practice-sessions", _practice, "started_at", PracticeSession),
    ("/api/v1/practice-sessions", _practice, "ended_at", PracticeSession),
]


@pytest.mark.parametrize("when", BEYOND)
@pytest.mark.parametrize(("path", "body", "field", "table"), ROUTES)
def test_a_time_no_phone_can_mean_is_a_422_naming_it(
    client, session, settings, path, body, field, table, when
):
    headers, _ = make_participant(client, session, settings)

    response = client.post(path, headers=headers, json=body(**{field: when}))

    assert response.status_code == 422
    error = response.json()["error"]
    assert [f["field"] for f in error["fields"]] == [field]
    assert "check the phone's date and time" in error["message"]
    assert session.exec(select(func.count()).select_from(table)).one() == 0


@pytest.mark.parametrize(("path", "body", "field", "table"), ROUTES[::2])
def test_the_same_record_with_a_sane_time_is_stored(
    client, session, settings, path, body, field, table
):
    headers, _ = make_participant(client, session, settings)
    assert client.post(path, headers=headers, json=body()).status_code == 201


@pytest.mark.parametrize(
    "when",
    [
        "1999-12-31T23:59:59Z",
        "2000-01-01T09:00:00+14:00",  # 1999 in UTC
        "2100-12-31T23:00:00-14:00",  # 2101 in UTC
        "2101-01-01T00:00:00Z",
        *BEYOND,
    ],
)
def test_times_outside_2000_to_2100_utc_are_refused(when):
    with pytest.raises(ValidationError, match="between 2000-01-01 and 2100-12-31"):
        TypeAdapter(PhoneTime).validate_python(when)


def test_a_phone_time_keeps_the_offset_it_was_sent_with():
    moment = TypeAdapter(PhoneTime).validate_python("2026-03-01T09:30:00-06:00")
    assert moment.utcoffset() == timedelta(hours=-6)
    assert moment == datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
