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


_VERSION_4 = 4 << 76  # what uuid.UUID(version=4) sets: the version nibble ...
_RFC_4122 = 0x8000 << 48  # ... and the variant bits
_KEEP = ~((0xF000 << 64) | (0xC000 << 48))


def _random_16() -> bytes:
    global _block, _offset
    with _lock:
        if _offset >= len(_block):
            _block, _offset = os.urandom(16 * BLOCK_IDS), 0
        raw = _block[_offset : _offset + 16]
        _offset += 16
    return raw


def new_id() -> uuid.UUID:
    return uuid.UUID(bytes=_random_16(), version=4)


def new_ids_hex(count: int) -> list[str]:
    """`count` new ids as 32 hex digits each, the same as `new_id().hex`, from one draw of
    kernel randomness and without building UUID objects (planning writes a few hundred
    thousand at once, straight into text)."""
    raw = os.urandom(16 * count)
    return [
        f"{int.from_bytes(raw[at : at + 16], 'big') & _KEEP | _VERSION_4 | _RFC_4122:032x}"
        for at in range(0, 16 * count, 16)
    ]


def _forget_block() -> None:
    # A forked process must never hand out the ids its parent will also hand out.
    global _block, _offset
    _block, _offset = b"", 0


os.register_at_fork(after_in_child=_forget_block)
