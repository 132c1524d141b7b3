"""What a check-in may carry: bounded in every part, so no body within the request cap becomes
a heavy record, and facts about her day only under the names its instrument asks for."""

import json
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from savor.clock import utcnow
from savor.ema.instruments import default_instruments
from savor.ema.models import Response
from savor.security import MAX_BODY_BYTES
from tests.factories import make_participant

BIG_BYTES = 860 * 1024


def _body(instrument: str = "hard_moment", answers: list | None = None, **extra) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "instrument_id": instrument,
        "instrument_version": str(default_instruments()[instrument].version),
        "submitted_at": (utcnow() - timedelta(minutes=1)).isoformat(),
        "answers": answers or [{"item_id": "C1", "value": 3}, {"item_id": "S1", "value": 4}],
    } | extra


def _stored(session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Response)).one()


def _fields(response) -> list[str]:
    return [f["field"] for f in response.json()["error"]["fields"]]


def test_a_fact_its_instrument_does_not_ask_for_is_refused_by_name(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    body = _body(context={"practiced_today": True, "Maria Lopez": True})

    response = client.post("/api/v1/responses", headers=headers, json=body)

    assert response.status_code == 422
    assert _fields(response) == ["context.practiced_today", "context.Maria Lopez"]
    assert "hard_moment asks for no such fact" in response.json()["error"]["message"]
    assert _stored(session) == 0


def test_a_fact_its_instrument_asks_for_is_kept(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    answers = [{"item_id": "E1", "value": 5}, {"item_id": "E6", "value": 6}]
    body = _body("end_of_day", answers, context={"practiced_today": True})

    assert client.post("/api/v1/responses", headers=headers, json=body).status_code == 201
    assert session.exec(select(Response)).one().context == {"practiced_today": True}


def test_many_facts_are_one_error_whatever_their_names(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    body = _body(context={f"{'x' * 50}{n}": True for n in range(5000)})

    response = client.post("/api/v1/responses", headers=headers, json=body)

    assert response.status_code == 422
    assert _fields(response) == ["context"]
    assert len(response.content) < 1000


def _padded(make_body) -> dict:
    """The body `make_body(n)` makes with n grown until it is ~860 KB, under the 1 MiB cap."""
    n = 1
    while len(json.dumps(make_body(n * 2))) <= BIG_BYTES:
        n *= 2
    body = make_body(n)
    assert BIG_BYTES // 2 < len(json.dumps(body)) < MAX_BODY_BYTES
    return body


def _with_text(n: int) -> dict:
    return _body(answers=[{"item_id": "C1", "value": "x" * n}])


def _with_choices(n: int) -> dict:
    return _body(answers=[{"item_id": "TRG", "value": ["alone"] * n}])


def _with_nesting(n: int) -> dict:
    return _body(answers=[{"item_id": "C1", "value": {"note": "x" * n}}])


def _with_facts(n: int) -> dict:
    return _body(context={f"fact{i}": True for i in range(n)})


@pytest.mark.parametrize("make_body", [_with_text, _with_choices, _with_nesting, _with_facts])
def test_a_check_in_of_860_kb_is_refused_while_one_sent_with_it_is_stored(
    client, session, settings, make_body
):
    headers, _ = make_participant(client, session, settings)
    big, normal = _padded(make_body), _body()
    answered: list = []
    sender = threading.Thread(
        target=lambda: answered.append(client.post("/api/v1/responses", headers=headers, json=big))
    )
    sender.start()
    stored = client.post("/api/v1/responses", headers=headers, json=normal)
    sender.join(30)

    (refused,) = answered
    assert refused.status_code == 422
    assert len(refused.content) < 2000  # what it says names the problem, not the body
    assert stored.status_code == 201
    assert _stored(session) == 1
    assert session.exec(select(Response)).one().client_id == uuid.UUID(normal["client_id"])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("x" * 2001, "must be at most 2000 characters"),
        (["alone"] * 51, "must list at most 50 choices"),
        (["x" * 41], "a choice is at most 40 characters"),
        ([["alone"]], "a list of choices holds only choice keys"),
        (10**16, "is too large a number for any answer"),
        ({"a": 1}, "must be a number, true or false, some text, or a list of choices"),
    ],
)
def test_a_value_no_item_could_take_is_refused_before_its_item_is_read(
    client, session, settings, value, message
):
    headers, _ = make_participant(client, session, settings)
    body = _body(answers=[{"item_id": "TRG", "value": value}])

    response = client.post("/api/v1/responses", headers=headers, json=body)

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [{"field": "answers.0.value", "message": message}]
