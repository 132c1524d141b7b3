"""Due prompts reach her devices exactly once, even with several processes ticking."""

import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text, update
from sqlmodel import Session, col, select

from savor.clock import utcnow
from savor.db import make_writer_engine
from savor.ema import jobs as ema_jobs
from savor.ema import prompts as ema_prompts
from savor.ema.models import Prompt
from savor.notify import dispatch
from savor.notify import jobs as notify_jobs
from savor.notify.jobs import make_sender
from savor.notify.models import PushSubscription
from savor.notify.webpush import PushResult, neutral_payload
from savor.storing.thread import WriteQueue
from tests.factories import first_due, make_participant, prompts_of
from tests.notify.test_webpush import closed_port


def _subscribe(client, headers, push_service):
    browser = push_service.subscribe()
    response = client.post("/api/v1/push-subscriptions", headers=headers, json=browser.to_json())
    assert response.status_code == 201
    return browser


def test_public_key_is_the_one_pushes_are_signed_with(client, app):
    key = client.get("/api/v1/push/public-key").json()["public_key"]
    assert key == app.state.vapid_keys.public_key


def test_a_due_prompt_is_pushed_neutrally_and_marked_sent(
    client, session, settings, push_service, sender
):
    headers, participant = make_participant(client, session, settings)
    _subscribe(client, headers, push_service)
    prompt, now = first_due(session, participant)
    tally = dispatch.dispatch_due(session=session, worker="w1", send=sender, now=now)
    assert (tally.claimed, tally.pushed) == (1, 1)
    [received] = push_service.received
    assert received.json() == {
        "type": "prompt",
        "prompt_id": str(prompt.id),
        "title": "Savor",
        "body": "Time for a short check-in",
        "expires_at": prompt.expires_at.isoformat().replace("+00:00", "Z"),
    }
    stored = prompts_of(session, participant)[0]
    assert (stored.status, stored.sent_at, stored.pushed) == ("sent", now, 1)


def test_without_a_device_the_prompt_is_still_available_in_the_app(
    client, session, settings, sender
):
    _headers, participant = make_participant(client, session, settings)
    prompt, now = first_due(session, participant)
    dispatch.dispatch_due(session=session, worker="w1", send=sender, now=now)
    open_now = ema_prompts.open_prompts(session=session, participant=participant, now=now)
    assert prompt.id in [p.id for p in open_now]


def test_a_gone_subscription_is_removed(client, session, settings, push_service, sender):
    headers, participant = make_participant(client, session, settings)
    browser = _subscribe(client, headers, push_service)
    push_service.answer(browser, 410)
    _, now = first_due(session, participant)
    dispatch.dispatch_due(session=session, worker="w1", send=sender, now=now)
    assert session.exec(select(PushSubscription)).all() == []


def test_a_passing_failure_is_retried_after_backoff(
    client, session, settings, push_service, sender
):
    headers, participant = make_participant(client, session, settings)
    browser = _subscribe(client, headers, push_service)
    push_service.answer(browser, 503, {"Retry-After": "120"})
    _, now = first_due(session, participant)
    dispatch.dispatch_due(session=session, worker="w1", send=sender, now=now)
    stored = prompts_of(session, participant)[0]
    assert stored.next_attempt_at == now + timedelta(seconds=120)
    assert dispatch.retry_pushes(session=session, worker="w1", send=sender, now=now) == 0
    push_service.answer(browser, 201)
    later = now + timedelta(seconds=121)
    assert dispatch.retry_pushes(session=session, worker="w1", send=sender, now=later) == 1
    assert prompts_of(session, participant)[0].pushed == 1
    assert len(push_service.received) == 2  # the refused delivery, then the accepted one


def test_one_reminder_when_she_has_not_opened_it(client, session, settings, push_service, sender):
    headers, participant = make_participant(client, session, settings)
    _subscribe(client, headers, push_service)
    prompt, now = first_due(session, participant)
    dispatch.dispatch_due(session=session, worker="w1", send=sender, now=now)
    later = prompt.remind_at + timedelta(seconds=1)
    assert dispatch.send_reminders(session=session, worker="w1", send=sender, now=later) == 1
    assert dispatch.send_reminders(session=session, worker="w1", send=sender, now=later) == 0
    assert [r.json()["type"] for r in push_service.received] == ["prompt", "reminder"]


def test_no_reminder_once_she_opened_it(client, session, settings, push_service, sender):
    headers, participant = make_participant(client, session, settings)
    _subscribe(client, headers, push_service)
    prompt, now = first_due(session, participant)
    dispatch.dispatch_due(session=session, worker="w1", send=sender, now=now)
    client.post(f"/api/v1/prompts/{prompt.id}/opened", headers=headers)
    later = prompt.remind_at + timedelta(seconds=1)
    assert dispatch.send_reminders(session=session, worker="w1", send=sender, now=later) == 0


def test_unanswered_prompts_expire_with_their_time_kept(client, session, settings, sender):
    _, participant = make_participant(client, session, settings)
    prompt, now = first_due(session, participant)
    dispatch.dispatch_due(session=session, worker="w1", send=sender, now=now)
    after = prompt.expires_at + timedelta(seconds=1)
    assert ema_prompts.expire_due(session=session, now=after) >= 1
    stored = prompts_of(session, participant)[0]
    assert (stored.status, stored.expired_at, stored.sent_at) == ("expired", after, now)


def test_a_prompt_missed_while_the_server_was_down_expires_unsent(client, session, settings):
    _, participant = make_participant(client, session, settings)
    prompt, _ = first_due(session, participant)
    ema_prompts.expire_due(session=session, now=prompt.expires_at + timedelta(seconds=1))
    stored = prompts_of(session, participant)[0]
    assert (stored.status, stored.sent_at) == ("expired", None)


def test_invalid_subscription_is_refused(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    body = {"endpoint": "https://push.example.org/x", "keys": {"p256dh": "abc", "auth": "def"}}
    response = client.post("/api/v1/push-subscriptions", headers=headers, json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_subscription"


def test_plain_http_push_endpoints_are_refused(client, session, settings, push_service):
    headers, _ = make_participant(client, session, settings)
    body = push_service.fake_subscription("http://push.example.org/x")
    response = client.post("/api/v1/push-subscriptions", headers=headers, json=body)
    assert response.status_code == 422


def test_unsubscribing_stops_pushes_to_that_device(client, session, settings, push_service):
    headers, _ = make_participant(client, session, settings)
    browser = _subscribe(client, headers, push_service)
    response = client.request(
        "DELETE",
        "/api/v1/push-subscriptions",
        headers=headers,
        json={"endpoint": browser.endpoint},
    )
    assert response.status_code == 204
    assert session.exec(select(PushSubscription)).all() == []


def test_the_scheduler_jobs_plan_send_and_expire(
    client, session, settings, engine, push_service, sender
):
    headers, participant = make_participant(client, session, settings)
    _subscribe(client, headers, push_service)
    prompt, now = first_due(session, participant)
    jobs = [
        *notify_jobs.build_jobs(engine=engine, send=sender),
        *ema_jobs.build_jobs(engine=engine),
    ]
    for job in jobs:
        job(now)
    assert len(push_service.received) == 1
    for job in jobs:
        job(prompt.expires_at + timedelta(seconds=1))
    assert prompts_of(session, participant)[0].status == "expired"


@pytest.mark.parametrize("workers", [2, 4])
def test_racing_dispatchers_send_each_prompt_exactly_once(
    client, session, settings, engine, workers
):
    participants = [make_participant(client, session, settings)[1] for _ in range(3)]
    now = utcnow()
    due = [prompts_of(session, p)[0] for p in participants]
    for prompt in due:
        prompt.scheduled_at, prompt.expires_at = (
            now - timedelta(minutes=1),
            now + timedelta(hours=1),
        )
        session.add(prompt)
    calls: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(workers)

    def fake_send(subscription, payload) -> PushResult:
        with lock:
            calls.append(payload["prompt_id"])
        return PushResult("sent", 201, "created")

    for p in participants:
        session.add(
            PushSubscription(
                participant_id=p.id,
                endpoint=f"https://push.example.org/{p.id}",
                p256dh="x",
                auth="y",
            )
        )
    session.commit()

    def worker(name: str) -> None:
        with Session(engine) as own:
            start.wait()
            dispatch.dispatch_due(session=own, worker=name, send=fake_send, now=now)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(calls) == sorted(str(p.id) for p in due)
    session.expire_all()
    assert {p.status for p in due} == {"sent"}


def _due_with_devices(client, session, settings, count: int) -> tuple[list, datetime]:
    """`count` mothers, each with one device and one prompt due now."""
    participants = [make_participant(client, session, settings)[1] for _ in range(count)]
    now = utcnow()
    due = [prompts_of(session, p)[0] for p in participants]
    for prompt, participant in zip(due, participants, strict=True):
        prompt.scheduled_at, prompt.expires_at = (
            now - timedelta(minutes=1),
            now + timedelta(hours=1),
        )
        session.add(prompt)
        session.add(
            PushSubscription(
                participant_id=participant.id,
                endpoint=f"https://push.example.org/{participant.id}",
                p256dh="x",
                auth="y",
            )
        )
    session.commit()
    return due, now


def test_a_batch_is_sent_at_once_and_each_prompt_once(client, session, settings):
    due, now = _due_with_devices(client, session, settings, 5)
    # Every send waits for all the others: sent one after another, none would get through.
    together = threading.Barrier(len(due), timeout=10)
    calls: list[str] = []

    def fake_send(subscription, payload) -> PushResult:
        together.wait()
        calls.append(payload["prompt_id"])
        return PushResult("sent", 201, "created")

    tally = dispatch.dispatch_due(session=session, worker="w1", send=fake_send, now=now)
    assert (tally.claimed, tally.pushed, tally.retry) == (5, 5, 0)
    assert sorted(calls) == sorted(str(p.id) for p in due)
    session.expire_all()
    assert {(p.status, p.pushed, p.send_attempts) for p in due} == {("sent", 1, 1)}


def test_a_slow_push_service_does_not_hold_back_the_others(client, session, settings, engine):
    slow, *others = due = _due_with_devices(client, session, settings, 4)[0]
    now = utcnow()
    seen_sent: list[set[str]] = []
    slow_id, other_ids = str(slow.id), [p.id for p in others]  # read here, not in the threads

    def statuses() -> set[str]:
        with Session(engine) as own:
            return {own.get_one(Prompt, other).status for other in other_ids}

    def fake_send(subscription, payload) -> PushResult:
        if payload["prompt_id"] == slow_id:
            deadline = time.monotonic() + 10
            while statuses() != {"sent"} and time.monotonic() < deadline:
                time.sleep(0.02)
            seen_sent.append(statuses())
            return PushResult("retry", None, "no answer within 10 s")
        return PushResult("sent", 201, "created")

    tally = dispatch.dispatch_due(session=session, worker="w1", send=fake_send, now=now)
    assert seen_sent == [{"sent"}]  # the others were recorded while the slow one still waited
    assert (tally.claimed, tally.pushed, tally.retry) == (4, 3, 1)
    session.expire_all()
    assert slow.next_attempt_at is not None and slow.status == "sent"
    assert {p.status for p in due} == {"sent"}


def test_a_failing_sender_is_retried_later_and_the_rest_recorded(client, session, settings):
    broken, *fine = due = _due_with_devices(client, session, settings, 3)[0]
    now, broken_id = utcnow(), str(broken.id)

    def fake_send(subscription, payload) -> PushResult:
        if payload["prompt_id"] == broken_id:
            raise RuntimeError("bug in a sender")
        return PushResult("sent", 201, "created")

    tally = dispatch.dispatch_due(session=session, worker="w1", send=fake_send, now=now)
    assert (tally.claimed, tally.pushed, tally.retry) == (3, 2, 1)
    session.expire_all()
    assert broken.next_attempt_at is not None
    assert [p.pushed for p in fine] == [1, 1]
    assert {p.status for p in due} == {"sent"}


def test_more_than_a_batch_goes_out_in_one_tick(client, session, settings, monkeypatch):
    monkeypatch.setattr(dispatch, "BATCH", 2)
    due, now = _due_with_devices(client, session, settings, 5)
    sent: list[str] = []

    def fake_send(subscription, payload) -> PushResult:
        sent.append(payload["prompt_id"])
        return PushResult("sent", 201, "created")

    assert dispatch.dispatch_due(session=session, worker="w1", send=fake_send, now=now).claimed == 5
    assert sorted(sent) == sorted(str(p.id) for p in due)


def test_each_push_says_when_its_prompt_closes(client, session, settings):
    due, now = _due_with_devices(client, session, settings, 2)
    payloads: list[dict] = []

    def fake_send(subscription, payload) -> PushResult:
        payloads.append(payload)
        return PushResult("sent", 201, "created")

    dispatch.dispatch_due(session=session, worker="w1", send=fake_send, now=now)
    closes = {str(p.id): p.expires_at.isoformat().replace("+00:00", "Z") for p in due}
    assert {p["prompt_id"]: p["expires_at"] for p in payloads} == closes


def test_a_proxy_set_in_the_environment_is_used_for_pushes(
    app, push_service, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port()}")
    send = make_sender(app.state.settings, app.state.vapid_keys)

    result = send(push_service.subscribe().to_json(), neutral_payload("prompt", "p", "en"))

    assert result.outcome == "retry"  # the (closed) proxy was tried, not the push service
    assert push_service.received == []


def test_without_a_proxy_pushes_go_straight_to_the_push_service(
    app, push_service, monkeypatch: pytest.MonkeyPatch
):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    send = make_sender(app.state.settings, app.state.vapid_keys)

    result = send(push_service.subscribe().to_json(), neutral_payload("prompt", "p", "en"))

    assert result.outcome == "sent"
    assert len(push_service.received) == 1


def test_through_the_writer_thread_each_prompt_is_claimed_sent_and_recorded_once(
    client, session, settings, monkeypatch
):
    monkeypatch.setattr(dispatch, "BATCH", 2)
    due, now = _due_with_devices(client, session, settings, 5)
    calls: list[str] = []

    def fake_send(subscription, payload) -> PushResult:
        calls.append(payload["prompt_id"])
        return PushResult("sent", 201, "created")

    writer = WriteQueue(make_writer_engine(settings.resolved_database_url))
    try:
        run = {"session": session, "worker": "w1", "send": fake_send, "writer": writer}
        assert dispatch.dispatch_due(now=now, **run).claimed == 5
        assert dispatch.dispatch_due(now=now, **run).claimed == 0
    finally:
        writer.close()
        writer.engine.dispose()
    assert sorted(calls) == sorted(str(p.id) for p in due)
    session.expire_all()
    assert {(p.status, p.pushed, p.claimed_by) for p in due} == {("sent", 1, None)}


# Waiting for such rows could deadlock PostgreSQL: a group of receipts locks many rows in an
# order of its own. SQLite locks the whole database instead, so there is no row to hold there.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_prompt_row_held_by_a_receipt_does_not_hold_back_the_others(
    client, session, settings, engine
):
    (held, *others), now = _due_with_devices(client, session, settings, 3)
    held_id, other_ids = held.id, [p.id for p in others]  # the session is the dispatcher's now
    sent = PushResult("sent", 201, "created")
    done: list[dispatch.Tally] = []

    def statuses(ids) -> set[str]:
        with engine.connect() as reader:
            query = select(Prompt.status).where(col(Prompt.id).in_(ids))
            return set(reader.execute(query).scalars())

    with engine.connect() as receipt:
        held_now = threading.Event()

        def send(subscription, payload) -> PushResult:
            if payload["prompt_id"] == str(held_id):  # her phone's receipt is being stored
                lock = update(Prompt).where(col(Prompt.id) == held_id).values(delivered_at=now)
                receipt.execute(lock)
                held_now.set()
            return sent

        dispatcher = threading.Thread(
            target=lambda: done.append(
                dispatch.dispatch_due(session=session, worker="w1", send=send, now=now)
            )
        )
        dispatcher.start()
        assert held_now.wait(10)
        deadline = time.monotonic() + 10
        while statuses(other_ids) != {"sent"}:
            assert time.monotonic() < deadline, "the others waited for the held row"
            time.sleep(0.05)
        assert statuses([held_id]) == {"sending"}
        receipt.commit()
    dispatcher.join(timeout=10)
    assert statuses([held_id]) == {"sent"}
    assert done[0].claimed == 3


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_row_held_past_the_retries_is_waited_for_not_retried_for_ever(
    client, session, settings, engine, monkeypatch
):
    monkeypatch.setattr(dispatch, "HELD_ROW_SECONDS", 0.0)
    (held,), now = _due_with_devices(client, session, settings, 1)
    held_id = held.id
    done: list[dispatch.Tally] = []

    def lock_waits() -> int:
        with engine.connect() as reader:
            query = text(
                "select count(*) from pg_stat_activity"
                " where datname = current_database() and wait_event_type = 'Lock'"
            )
            return reader.execute(query).scalar_one()

    with engine.connect() as receipt:
        held_now = threading.Event()

        def send(subscription, payload) -> PushResult:
            receipt.execute(update(Prompt).where(col(Prompt.id) == held_id).values(shown_at=now))
            held_now.set()
            return PushResult("sent", 201, "created")

        dispatcher = threading.Thread(
            target=lambda: done.append(
                dispatch.dispatch_due(session=session, worker="w1", send=send, now=now)
            )
        )
        dispatcher.start()
        assert held_now.wait(10)
        deadline = time.monotonic() + 10
        while lock_waits() != 1:  # the dispatcher queues for the row instead of polling it
            assert time.monotonic() < deadline, "the dispatcher never waited for the row"
            time.sleep(0.05)
        receipt.commit()
    dispatcher.join(timeout=10)
    session.expire_all()
    assert (session.get_one(Prompt, held_id).status, done[0].claimed) == ("sent", 1)
