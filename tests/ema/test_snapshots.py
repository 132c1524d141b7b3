"""In-memory snapshots: requests that miss the same entry at once share one database read."""

import asyncio
import threading

from savor.ema.snapshots import Snapshots
from savor.tokens import hash_token
from tests.factories import make_participant, run_coroutine


def _counting(snapshots: Snapshots, name: str) -> list[int]:
    """Count calls of one of its reads; each call is held a moment, as a slow database would."""
    calls: list[int] = []
    real = getattr(snapshots, name)
    lock = threading.Lock()

    def read(key):
        with lock:
            calls.append(1)
        threading.Event().wait(0.05)
        return real(key)

    setattr(snapshots, name, read)
    return calls


def test_a_burst_of_misses_for_one_study_reads_it_once(client, session, settings, engine):
    _, participant = make_participant(client, session, settings)
    snapshots = Snapshots(engine)
    reads = _counting(snapshots, "_read_study")

    async def burst():
        return await asyncio.gather(*(snapshots.study(participant.study_id) for _ in range(50)))

    found = run_coroutine(burst())

    assert len(reads) == 1
    assert {s.id for s in found} == {participant.study_id}


def test_a_fresh_read_never_joins_one_begun_before(client, session, settings, engine):
    headers, participant = make_participant(client, session, settings)
    token_hash = hash_token(headers["Authorization"].removeprefix("Bearer "))
    snapshots = Snapshots(engine)
    reads = _counting(snapshots, "_read_participant")

    async def cached_then_fresh():
        return await asyncio.gather(
            snapshots.participant(token_hash), snapshots.participant(token_hash, fresh=True)
        )

    cached, fresh = run_coroutine(cached_then_fresh())

    assert len(reads) == 2
    assert cached is not None and fresh is not None and cached.id == fresh.id == participant.id


def test_a_waiter_giving_up_leaves_the_read_to_the_others(client, session, settings, engine):
    _, participant = make_participant(client, session, settings)
    snapshots = Snapshots(engine)
    reads = _counting(snapshots, "_read_study")

    async def one_gives_up():
        impatient = asyncio.ensure_future(snapshots.study(participant.study_id))
        patient = asyncio.ensure_future(snapshots.study(participant.study_id))
        await asyncio.sleep(0.01)
        impatient.cancel()
        return await patient

    assert run_coroutine(one_gives_up()).id == participant.study_id
    assert len(reads) == 1
