"""Random (version 4) UUIDs, drawn from the system's random source in blocks.

`uuid.uuid4()` asks the kernel for 16 bytes each time, and a system call is not cheap: on
some hosts (sandboxed ones especially) it costs more than the rest of building a row. One
answer set needs a dozen ids, so they come from a block of kernel randomness instead: the
same source and quality, a system call per few hundred ids.
"""

import os
import threading
import uuid

BLOCK_IDS = 256
_lock = threading.Lock()
_block = b""
_offset = 0


def new_id() -> uuid.UUID:
    global _block, _offset
    with _lock:
        if _offset >= len(_block):
            _block, _offset = os.urandom(16 * BLOCK_IDS), 0
        raw = _block[_offset : _offset + 16]
        _offset += 16
    return uuid.UUID(bytes=raw, version=4)


def _forget_block() -> None:
    # A forked process must never hand out the ids its parent will also hand out.
    global _block, _offset
    _block, _offset = b"", 0


os.register_at_fork(after_in_child=_forget_block)
