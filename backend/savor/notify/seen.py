"""When her devices were last seen using the app: noted in memory on every signed-in call and
written to her subscriptions at most once an hour, by the ticker, never on the request's path.

A phone that still takes pushes but has not opened the app for weeks is a different problem
from one whose pushes fail; researchers see both in device health.
"""

import threading
import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col

from savor.notify.models import PushSubscription

EVERY = timedelta(hours=1)


class SeenDevices:
    def __init__(self) -> None:
        self._noted: dict[uuid.UUID, datetime] = {}
        self._pending: set[uuid.UUID] = set()
        self._lock = threading.Lock()

    def note(self, participant_id: uuid.UUID, now: datetime) -> None:
        """A dictionary lookup on nearly every call: the hour has usually not passed."""
        last = self._noted.get(participant_id)
        if last is not None and now - last < EVERY:
            return
        with self._lock:
            self._noted[participant_id] = now
            self._pending.add(participant_id)

    def flush(self, *, session: Session, now: datetime) -> int:
        """Write what was noted; other processes may have written within the hour already."""
        with self._lock:
            pending, self._pending = self._pending, set()
            self._noted = {p: at for p, at in self._noted.items() if now - at < EVERY}
        if not pending:
            return 0
        result = session.execute(
            update(PushSubscription)
            .where(col(PushSubscription.participant_id).in_(pending))
            .where(
                or_(
                    col(PushSubscription.last_seen_at).is_(None),
                    col(PushSubscription.last_seen_at) <= now - EVERY,
                )
            )
            .values(last_seen_at=now)
        )
        session.commit()
        return result.rowcount  # type: ignore[attr-defined]
