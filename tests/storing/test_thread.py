"""The group-commit writer: many writes, few commits, each write isolated from the others."""

import threading
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from savor.clock import utcnow
from savor.db import make_writer_engine
from savor.errors import AppError
from savor.main import create_app
from savor.storing.thread import WriteQueue
from savor.studies.models import Study
from tests.factories import make_participant, run_coroutine


@pytest.fixture
def writer(settings):
    queue = WriteQueue(make_writer_engine(settings.resolved_database_url))
    yield queue
    queue.close()
    queue.engine.dispose()


def _add_study(slug: str):
    def write(session: Session) -> str:
        session.add(Study(slug=slug, name=slug, secret="s" * 64, created_at=utcnow()))
        session.flush()
        return slug

    return write


def _fail(session: Session) -> None:
    raise ValueError("this write is refused")


def test_a_write_is_committed_before_submit_returns(writer, engine):
    assert writer.submit(_add_study("one")) == "one"
    with Session(engine) as other:
        assert other.exec(select(Study.slug)).all() == ["one"]


def test_concurrent_writes_share_commits(writer, engine):
    slugs = [f"s{i:03d}" for i in range(120)]
    start = threading.Barrier(len(slugs))

    def submit(slug: str) -> None:
        start.wait()
        writer.submit(_add_study(slug))

    threads = [threading.Thread(target=submit, args=(s,)) for s in slugs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with Session(engine) as other:
        assert sorted(other.exec(select(Study.slug)).all()) == slugs
    assert writer.batches < len(slugs)


def test_a_failing_write_leaves_the_others_in_its_batch(writer, engine):
    results: dict[str, object] = {}
    start = threading.Barrier(3)

    def run(name: str, write) -> None:
        start.wait()
        try:
            results[name] = writer.submit(write)
        except ValueError as error:
            results[name] = error

    jobs = {"a": _add_study("a"), "bad": _fail, "b": _add_study("b")}
    threads = [threading.Thread(target=run, args=item) for item in jobs.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert isinstance(results["bad"], ValueError)
    with Session(engine) as other:
        assert sorted(other.exec(select(Study.slug)).all()) == ["a", "b"]


def test_a_constraint_violation_is_reported_to_its_writer_only(writer, engine):
    writer.submit(_add_study("same"))
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        writer.submit(_add_study("same"))
    writer.submit(_add_study(f"after-{uuid.uuid4().hex[:6]}"))
    with Session(engine) as other:
        assert len(other.exec(select(Study)).all()) == 2


def _add_studies(session: Session, slugs) -> list[object]:
    """A set-based handler that fails as a whole when any slug is 'bad'."""
    for slug in slugs:
        if slug == "bad":
            raise ValueError("this slug is refused")
        session.add(Study(slug=slug, name=slug, secret="s" * 64, created_at=utcnow()))
    session.flush()
    return [f"stored {slug}" for slug in slugs]


def test_a_set_that_fails_as_a_whole_is_retried_item_by_item(writer, engine):
    results: dict[str, object] = {}
    start = threading.Barrier(3)

    def run(slug: str) -> None:
        start.wait()
        try:
            results[slug] = writer.submit_item(_add_studies, slug)
        except ValueError as error:
            results[slug] = error

    threads = [threading.Thread(target=run, args=(s,)) for s in ("x", "bad", "y")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["x"] == "stored x" and results["y"] == "stored y"
    assert isinstance(results["bad"], ValueError)
    with Session(engine) as other:
        assert sorted(other.exec(select(Study.slug)).all()) == ["x", "y"]


def test_an_item_answered_with_an_error_is_raised_to_its_caller_alone(writer, engine):
    def refuse_odd(session: Session, numbers) -> list[object]:
        return [ValueError(f"{n} is odd") if n % 2 else n for n in numbers]

    assert writer.submit_item(refuse_odd, 2) == 2
    with pytest.raises(ValueError, match="3 is odd"):
        writer.submit_item(refuse_odd, 3)


def test_a_write_kept_waiting_too_long_is_a_503_the_phone_retries(writer, monkeypatch):
    monkeypatch.setattr("savor.storing.sets.WAIT_SECONDS", 0.2)
    busy, release = threading.Event(), threading.Event()

    def hold_the_writer() -> None:
        with pytest.raises(AppError):  # it waits too long as well
            writer.submit(lambda session: busy.set() or release.wait(5))

    stuck = threading.Thread(target=hold_the_writer)
    stuck.start()
    busy.wait(5)
    try:
        with pytest.raises(AppError) as sync_wait:
            writer.submit(_add_study("late"))
        with pytest.raises(AppError) as async_wait:
            run_coroutine(writer.store(_add_studies, "later"))
    finally:
        release.set()
        stuck.join()
    for raised in (sync_wait.value, async_wait.value):
        assert (raised.status_code, raised.code) == (503, "database_busy")
        assert raised.headers["Retry-After"]


def test_without_a_writer_process_check_ins_are_stored_by_the_writer_thread(session, settings):
    app = create_app(settings.model_copy(update={"writer_process": False}))
    with TestClient(app) as client:
        headers, _ = make_participant(client, session, settings)
        body = {
            "client_id": str(uuid.uuid4()),
            "instrument_id": "hard_moment",
            "instrument_version": "1",
            "submitted_at": utcnow().isoformat(),
            "answers": [{"item_id": "C1", "value": 3}, {"item_id": "S1", "value": 4}],
        }
        before = app.state.writer.batches
        response = client.post("/api/v1/responses", headers=headers, json=body)

    assert response.status_code == 201
    assert app.state.checkin_storer is app.state.writer
    assert app.state.writer.batches == before + 1
