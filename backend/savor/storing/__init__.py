"""Where records are stored: by a writer thread in group commits, or by a writer process.

`main` picks the check-in storer: `process.WriterProcess` (a process of its own, on another
core) or the `thread.WriteQueue` that also takes every other write. Both store a set of
waiting items with one call of its handler, in one transaction (`sets`), and answer each
item only once that transaction has committed.
"""

from typing import Any, Protocol

from savor.storing.sets import BatchWrite


class Storer(Protocol):
    """Stores items in sets; `store` returns once `item` is committed (or raises its error)."""

    def start(self) -> None: ...

    async def store(self, handler: BatchWrite, item: Any) -> Any: ...

    def close(self) -> None: ...
