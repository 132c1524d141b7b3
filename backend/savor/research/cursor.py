"""Change positions: why an incremental export never skips or repeats a record.

Timestamps cannot be a cursor. Phones' clocks differ, answers arrive days late, and
`received_at` is taken before a transaction commits: two phones syncing at once can commit
in the opposite order to their timestamps, so a reader that has moved past 10:00:05 never
sees the 10:00:04 row that became visible a moment later. A plain auto-increment has the
same flaw on PostgreSQL: number 11 can commit before number 10.

So every exported table carries `seq`, its change position, written by a database trigger
(migrations 2240c4ad5ab2, and 5e2c9a41f7b3 for offers) on each insert, and for prompts,
participants and offers on each update of an exported column, whatever code path writes the
row:

- PostgreSQL: `seq` is the id of the writing transaction. A pull's horizon is the oldest
  transaction still running: every transaction below it has ended, so every row it wrote is
  visible now and will never change position again; anything at or above it shows up in a
  later pull. No lock is taken, so writers never wait on exports. Transactions known to run
  in another database of the cluster are left out, so a long job elsewhere does not hold
  exports back; one in this database (or one we cannot see) does, and its rows come late,
  never lost.
- SQLite: one writer at a time. `seq` comes from a counter bumped inside the writing
  transaction, so each row's position is above every row committed before it. The horizon
  is the committed counter plus one.

A pull returns the rows with `since <= seq < horizon` and hands back the horizon as the next
`since`. The windows of successive pulls are disjoint and leave no gap, so the union of the
pulls is the full export, each record once. Responses and practice sessions are never
updated; a prompt, a participant or an offer whose exported fields change comes again, as it
is now. A participant's state (participant_state, migration 5e2c9a4f7b13) is never updated.
"""

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Select, text, tuple_
from sqlalchemy.engine import Row
from sqlmodel import Session, col, select

from savor.research.models import ChangeCounter

PAGE_SIZE = 500
# The oldest running transaction id (as xid8) not known to belong to another database, or
# the next id to be handed out when there is none.
POSTGRES_HORIZON = text(
    """
    WITH snapshot AS (SELECT pg_current_snapshot() AS s),
    elsewhere AS (
        SELECT backend_xid::text::bigint AS xid FROM pg_stat_activity
        WHERE datname <> current_database() AND backend_xid IS NOT NULL
    )
    SELECT coalesce(
        (SELECT min(x::text::bigint) FROM snapshot, pg_snapshot_xip(snapshot.s) AS x
         WHERE x::text::bigint % 4294967296 NOT IN (SELECT xid FROM elsewhere)),
        (SELECT pg_snapshot_xmax(s)::text::bigint FROM snapshot)
    )
    """
)


def horizon(session: Session) -> int:
    """The position below which every change is committed and visible, now and later."""
    if session.get_bind().dialect.name == "postgresql":
        return int(session.execute(POSTGRES_HORIZON).scalar_one())
    value = session.execute(select(ChangeCounter.value).where(col(ChangeCounter.id) == 1))
    return (value.scalar() or 0) + 1


def pages(
    session: Session,
    query: Select[Any],
    *,
    seq: Any,
    key: Any,
    since: int,
    until: int,
    size: int = PAGE_SIZE,
) -> Iterator[Sequence[Row[Any]]]:
    """Rows of `query` in the window, a page at a time, in (seq, key) order: keyset paging,
    so memory stays flat and rows written meanwhile neither shift nor repeat a page.

    Each row ends with its seq and key, which the next page starts after.
    """
    window = (
        query.add_columns(seq, key)
        .where(col(seq) >= since, col(seq) < until)
        .order_by(seq, key)
        .limit(size)
    )
    last: tuple[Any, ...] | None = None
    while True:
        page = window if last is None else window.where(tuple_(seq, key) > tuple_(*last))
        rows = session.execute(page).all()
        if rows:
            yield rows
        if len(rows) < size:
            return
        last = tuple(rows[-1][-2:])
