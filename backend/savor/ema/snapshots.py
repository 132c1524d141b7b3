"""What a check-in needs to know of her and her study, kept in memory between requests.

Reading her token, her participant row, her study and its protocol cost more than storing the
check-in itself. These copies are only a first answer: the writer re-reads, in the same
transaction that stores a record, everything that must be exact at that moment (the token
still stands, she has not left, her time zone, the study's active protocol version), and a
record drafted from an outdated copy is drafted again.
"""

import asyncio
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from savor import tokens
from savor.practices.catalog import StudyCatalog
from savor.practices.service import study_context
from savor.studies import signin
from savor.studies.protocol import ProtocolDocument

K = TypeVar("K")
V = TypeVar("V")
TTL_SECONDS = 60.0
MAX_ENTRIES = 50_000


@dataclass(frozen=True)
class ParticipantSnapshot:
    id: uuid.UUID
    study_id: uuid.UUID
    timezone: str
    stage: str | None
    enrolled_at: datetime
    withdrawn_at: datetime | None
    agreed_features: Mapping[str, bool]  # what she agreed to (studies/consent.py)


@dataclass(frozen=True)
class StudySnapshot:
    id: uuid.UUID
    protocol_version: int
    document: ProtocolDocument
    catalog: StudyCatalog


class _Shelf(Generic[K, V]):
    """A bounded map whose entries go stale after `ttl` seconds."""

    def __init__(self, ttl: float, max_entries: int) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] > self.ttl:
            return None
        return entry[1]

    def put(self, key: K, value: V) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # rare, and cheaper than tracking which entry is oldest
        self._entries[key] = (time.monotonic(), value)

    def forget(self, key: K) -> None:
        self._entries.pop(key, None)


class Snapshots:
    def __init__(
        self, engine: Engine, *, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES
    ) -> None:
        self.engine = engine
        self._participants: _Shelf[str, ParticipantSnapshot] = _Shelf(ttl, max_entries)
        self._studies: _Shelf[uuid.UUID, StudySnapshot] = _Shelf(ttl, max_entries)
        # Reads in progress: requests that miss the same entry at once share one read. Without
        # this, every request in a busy second read (and parsed) the study's protocol itself,
        # at startup and each time the entry went stale, and the server stalled for seconds.
        self._reading: dict[object, asyncio.Future] = {}

    async def participant(
        self, token_hash: str, *, fresh: bool = False
    ) -> ParticipantSnapshot | None:
        """Who holds this token (None if nobody, or it was revoked)."""
        found = None if fresh else self._participants.get(token_hash)
        if found is None:
            found = await self._read_once(
                ("participant", token_hash), self._read_participant, fresh
            )
            if found is not None:
                self._participants.put(token_hash, found)
        return found

    async def study(self, study_id: uuid.UUID, *, fresh: bool = False) -> StudySnapshot:
        found = None if fresh else self._studies.get(study_id)
        if found is None:
            found = await self._read_once(("study", study_id), self._read_study, fresh)
            self._studies.put(study_id, found)
        return found

    async def _read_once(self, key: tuple[str, K], read: Callable[[K], V], fresh: bool) -> V:
        """`read(key[1])` in a worker thread, shared by everyone who asks while it runs.

        A fresh read is asked for after a change: it never joins a read that began before.
        """
        if fresh:
            return await run_in_threadpool(read, key[1])
        reading = self._reading.get(key)
        if reading is None or reading.get_loop() is not asyncio.get_running_loop():
            reading = asyncio.ensure_future(run_in_threadpool(read, key[1]))
            self._reading[key] = reading
            reading.add_done_callback(lambda done: self._done_reading(key, done))
        # Shielded: one waiter giving up does not cancel the read the others wait for.
        return await asyncio.shield(reading)

    def _done_reading(self, key: object, done: asyncio.Future) -> None:
        if self._reading.get(key) is done:
            del self._reading[key]

    def forget_token(self, token_hash: str) -> None:
        self._participants.forget(token_hash)

    def _read_participant(self, token_hash: str) -> ParticipantSnapshot | None:
        with Session(self.engine) as session:
            row = signin.token_holder(session, token_hash)
            if row is None:
                return None
            return ParticipantSnapshot(
                id=row.id,
                study_id=row.study_id,
                timezone=row.timezone,
                stage=row.stage,
                enrolled_at=row.enrolled_at,
                withdrawn_at=row.withdrawn_at,
                agreed_features=dict(row.agreed_features),
            )

    def _read_study(self, study_id: uuid.UUID) -> StudySnapshot:
        with Session(self.engine) as session:
            study, document, catalog = study_context(session=session, study_id=study_id)
            return StudySnapshot(
                id=study.id,
                protocol_version=study.active_protocol_version,
                document=document,
                catalog=catalog,
            )


@dataclass(frozen=True)
class SignedIn:
    token_hash: str
    participant: ParticipantSnapshot


async def signed_in(request: Request, credentials: tokens.BearerDep) -> SignedIn:
    """The participant API's sign-in for async routes: no thread, no query when she is known."""
    token_hash, participant = await tokens.sign_in(
        request,
        credentials,
        who="app",
        lookup=request.app.state.snapshots.participant,
        unknown=signin.signed_out,
    )
    if participant.withdrawn_at is not None:
        raise signin.withdrawn()
    return SignedIn(token_hash=token_hash, participant=participant)


SignedInParticipant = Annotated[SignedIn, Depends(signed_in)]
