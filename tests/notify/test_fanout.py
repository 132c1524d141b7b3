"""Sending many pushes at once: each once, a failure isolated, nothing sent after a stop."""

import threading
import time

from savor.jobs import in_own_lane
from savor.notify import fanout
from savor.notify.webpush import PushResult
from savor.ticker import start_scheduler


def test_every_message_is_sent_once_and_answered():
    sent: list[int] = []
    lock = threading.Lock()

    def send(message: int) -> PushResult:
        with lock:
            sent.append(message)
        return PushResult("sent", 201, str(message))

    groups = list(fanout.send_all(list(range(50)), send, workers=8))
    answered = [(message, result.reason) for group in groups for message, result in group]
    assert sorted(answered) == [(n, str(n)) for n in range(50)]
    assert sorted(sent) == list(range(50))


def test_answers_coming_in_together_are_handed_over_at_most_once_per_group_interval():
    def send(message: int) -> PushResult:
        time.sleep(0.002)
        return PushResult("sent", 201, "created")

    start = time.monotonic()
    groups = list(fanout.send_all(list(range(300)), send, workers=4, group_seconds=0.05))
    elapsed = time.monotonic() - start

    assert sum(len(group) for group in groups) == 300
    assert len(groups) <= elapsed / 0.05 + 2  # one answer per group would be ~300 groups


def test_an_answer_after_a_quiet_spell_is_handed_over_at_once():
    def send(message: int) -> PushResult:
        return PushResult("sent", 201, "created")

    groups = fanout.send_all([1], send, group_seconds=30)
    start = time.monotonic()

    assert [m for m, _ in next(groups)] == [1]
    assert time.monotonic() - start < 5


def test_a_sender_that_raises_gives_a_retry_for_its_message_only():
    def send(message: int) -> PushResult:
        if message == 3:
            raise ConnectionError("boom")
        return PushResult("sent", 201, "created")

    outcomes = {m: r.outcome for group in fanout.send_all([1, 2, 3, 4], send) for m, r in group}
    assert outcomes == {1: "sent", 2: "sent", 3: "retry", 4: "sent"}


def test_nothing_more_is_sent_once_the_caller_stops():
    release = threading.Event()
    sent: list[int] = []

    def send(message: int) -> PushResult:
        sent.append(message)
        if message > 0:  # the first answers at once, the next ones are still in flight
            release.wait(5)
        return PushResult("sent", 201, "created")

    groups = fanout.send_all(list(range(20)), send, workers=2)
    assert [m for m, _ in next(groups)] == [0]
    threading.Timer(0.2, release.set).start()
    groups.close()  # the caller gives up, e.g. its database is gone
    assert 0 in sent and set(sent) <= {0, 1, 2}  # the ones in flight end, none queued goes out


def test_the_next_batch_is_taken_before_the_last_one_has_all_been_answered():
    answered: list[int] = []
    taken_after: list[int] = []  # how many were answered when each next batch was asked for
    batches = [list(range(10, 20)), []]

    def send(message: int) -> PushResult:
        time.sleep(0.01)
        answered.append(message)
        return PushResult("sent", 201, "created")

    def more() -> list[int]:
        taken_after.append(len(answered))
        return batches.pop(0)

    groups = fanout.send_all(list(range(10)), send, more=more, workers=2)
    results = sorted(m for group in groups for m, _ in group)
    assert results == list(range(20))
    assert len(taken_after) == 2 and taken_after[0] < 10


def test_ticks_fall_on_the_whole_minute():
    scheduler = start_scheduler([], interval_seconds=30)
    try:
        when = scheduler.get_job("tick").next_run_time
    finally:
        scheduler.shutdown(wait=False)
    assert (when.second, when.microsecond) in {(0, 0), (30, 0)}


def test_a_lane_of_its_own_ticks_between_the_minutes_prompts_fall_due_on():
    @in_own_lane
    def plan_ahead(now) -> None:
        pass

    scheduler = start_scheduler([plan_ahead], interval_seconds=30)
    try:
        when = scheduler.get_job("lane-plan_ahead").next_run_time
    finally:
        scheduler.shutdown(wait=False)
    assert (when.second, when.microsecond) in {(15, 0), (45, 0)}


def test_a_long_planning_run_does_not_hold_back_sending():
    planning, release = threading.Event(), threading.Event()
    sent = threading.Semaphore(0)

    @in_own_lane
    def plan_ahead(now) -> None:
        planning.set()
        release.wait(10)

    def send_due(now) -> None:
        if planning.is_set():
            sent.release()

    scheduler = start_scheduler([send_due, plan_ahead], interval_seconds=1)
    try:
        assert planning.wait(5)
        assert sent.acquire(timeout=5) and sent.acquire(timeout=5)  # two ticks meanwhile
    finally:
        release.set()
        scheduler.shutdown(wait=True)
