"""The `since` cursor: never skips or repeats a record, even while late answers keep arriving."""

import csv
import io
import random
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from savor.clock import utcnow
from savor.db import make_engine
from savor.ema.models import Prompt, Response, ResponseItem
from savor.research import cursor
from tests.conftest import create_postgres_database, drop_postgres_database, truncate_all
from tests.factories import bearer, make_research_token
from tests.research import fixture

EXPORT = "/api/research/v1/studies/pilot/export/"
PER_WRITER = 20
TRIGGERS = {
    "participant_seq_insert",
    "participant_seq_update",
    "prompt_seq_insert",
    "prompt_seq_update",
    "response_seq_insert",
    "practice_session_seq_insert",
    "participant_state_seq_insert",
    "offer_seq_insert",
    "offer_seq_update",
}


def _pull(client, token: str, dataset: str, since: int) -> tuple[list[dict], int]:
    response = client.get(EXPORT + dataset, params={"since": since}, headers=bearer(token))
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    return rows, int(response.headers["Savor-Next-Since"])


def test_every_exported_table_has_its_change_triggers(engine):
    query = (
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        if engine.dialect.name == "postgresql"
        else "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    )
    with engine.connect() as connection:
        assert {row[0] for row in connection.execute(text(query))} >= TRIGGERS


def test_a_pull_after_nothing_changed_is_empty(client, session):
    f = fixture.build(session)
    token = make_research_token(session, f.study)
    rows, after = _pull(client, token, "responses", 0)
    again, later = _pull(client, token, "responses", after)
    assert len(rows) == 7
    assert again == []
    assert later >= after


def test_a_late_answer_comes_in_the_next_pull_only(client, session):
    f = fixture.build(session)
    token = make_research_token(session, f.study)
    _, after = _pull(client, token, "responses", 0)
    late = _insert(session, f.ana.id, "C1", 8)
    rows, again = _pull(client, token, "responses", after)
    assert [(r["item_id"], r["value"]) for r in rows] == [("C1", "8")]
    assert _pull(client, token, "responses", again)[0] == []
    assert late


def test_a_prompt_whose_fate_changes_comes_again_as_it_is_now(client, session):
    f = fixture.build(session)
    token = make_research_token(session, f.study)
    _, after = _pull(client, token, "prompts", 0)
    prompt = session.get_one(Prompt, f.prompt.id)
    prompt.status, prompt.expired_at = "expired", utcnow()
    session.add(prompt)
    session.commit()
    [row], _ = _pull(client, token, "prompts", after)
    assert row["status"] == "expired"


def test_a_write_outside_the_exported_columns_does_not_move_a_prompt(client, session):
    f = fixture.build(session)
    token = make_research_token(session, f.study)
    _, after = _pull(client, token, "prompts", 0)
    prompt = session.get_one(Prompt, f.prompt.id)
    prompt.claimed_by, prompt.send_attempts = "worker-1", 3
    session.add(prompt)
    session.commit()
    assert _pull(client, token, "prompts", after)[0] == []


def test_horizon_never_goes_back(session):
    fixture.build(session)
    first = cursor.horizon(session)
    session.commit()
    assert cursor.horizon(session) >= first


def _insert(session: Session, participant_id: uuid.UUID, item: str, value: int) -> Response:
    response = Response(
        participant_id=participant_id,
        client_id=uuid.uuid4(),
        kind="self",
        instrument_id="momentary",
        instrument_version="1",
        instrument_fingerprint="0" * 12,
        protocol_version=1,
        submitted_at=utcnow(),
        received_at=utcnow(),
        timezone="America/Chicago",
        local_date=date(2026, 3, 2),
        body_hash="0" * 64,
    )
    session.add(response)
    session.flush()
    session.add(ResponseItem(response_id=response.id, item_id=item, position=0, value=value))
    session.commit()
    return response


def _late_syncs(engine, participant_id: uuid.UUID, count: int, seed: int) -> None:
    """Phones syncing at once: each transaction lingers between its insert and its commit,
    so later transactions often commit first."""
    rng = random.Random(seed)
    for n in range(count):
        with Session(engine) as session:
            response = Response(
                participant_id=participant_id,
                client_id=uuid.uuid4(),
                kind="self",
                instrument_id="momentary",
                instrument_version="1",
                instrument_fingerprint="0" * 12,
                protocol_version=1,
                submitted_at=utcnow(),
                received_at=utcnow(),
                timezone="America/Chicago",
                local_date=date(2026, 3, 2),
                body_hash="0" * 64,
            )
            session.add(response)
            session.flush()
            session.add(ResponseItem(response_id=response.id, item_id="S1", position=0, value=n))
            session.flush()
            time.sleep(rng.uniform(0, 0.03))
            session.commit()
        time.sleep(rng.uniform(0, 0.02))  # a phone's pause, in which a pull can get a word in


@pytest.mark.parametrize("writers", [4])
def test_union_of_pulls_during_concurrent_late_syncs_is_the_full_export(
    client, session, engine, writers
):
    f = fixture.build(session)
    token = make_research_token(session, f.study)
    threads = [
        threading.Thread(target=_late_syncs, args=(engine, p.id, PER_WRITER, seed))
        for seed, p in enumerate([f.ana, f.bea] * (writers // 2))
    ]
    for thread in threads:
        thread.start()
    pulled, since, during = [], 0, 0
    while any(t.is_alive() for t in threads):
        rows, since = _pull(client, token, "responses", since)
        pulled += rows
        during += 1
    for thread in threads:
        thread.join()
    rows, _ = _pull(client, token, "responses", since)
    pulled += rows
    full, _ = _pull(client, token, "responses", 0)
    keys = [(r["response_ref"], r["item_id"]) for r in pulled]
    assert len(keys) == len(set(keys)), "a record came twice"
    assert sorted(keys) == sorted((r["response_ref"], r["item_id"]) for r in full)
    assert len(full) == 7 + writers * PER_WRITER
    assert during >= 2, "the pulls did not overlap the syncs"


@pytest.fixture
def postgres_session(postgres_url: str) -> Iterator[Session]:
    """PostgreSQL alone: SQLite has one database per file and a single writer."""
    engine = make_engine(postgres_url)
    with Session(engine) as session:
        yield session
    truncate_all(engine)
    engine.dispose()


def test_a_long_transaction_in_another_database_does_not_hold_exports_back(postgres_session):
    session = postgres_session
    f = fixture.build(session)
    other = create_postgres_database()
    try:
        with psycopg.connect(
            make_url(other).set(drivername="postgresql").render_as_string(hide_password=False)
        ) as elsewhere:
            elsewhere.execute("SELECT pg_current_xact_id()")  # holds an id, open, until closed
            late = _insert(session, f.ana.id, "S1", 4)
            session.refresh(late)
            assert late.seq is not None and cursor.horizon(session) > late.seq
    finally:
        drop_postgres_database(other)


def test_a_cursor_beyond_any_database_position_is_refused(client, session):
    f = fixture.build(session)
    token = make_research_token(session, f.study)
    response = client.get(
        f"/api/research/v1/studies/{f.study.slug}/export/prompts",
        params={"format": "ndjson", "since": 2**73},
        headers=bearer(token),
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "since"
