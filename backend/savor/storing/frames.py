"""Messages over a pipe in `multiprocessing.connection.Connection`'s framing, never blocking.

A Connection writes a message whole or fails: on a non-blocking pipe (one an event loop
watches) a message larger than the socket's buffer raises BlockingIOError halfway through, and
a reader woken by the first bytes of an answer fails the same way on its last ones. Here the
event loop writes and reads what the pipe takes, when it takes it, and the other end keeps
using `Connection.send` and `recv` on its blocking end of the pipe.

The framing (as Python 3.11's `Connection._send_bytes` writes it): a 4-byte big-endian signed
length, or -1 and then an 8-byte unsigned length for a payload over 2 GiB; then the pickle.
"""

import pickle
import struct
from multiprocessing.reduction import ForkingPickler
from typing import Any

SHORT_MAX = 0x7FFFFFFF
SHORT = struct.Struct("!i")
LONG = struct.Struct("!Q")


def framed(message: Any) -> bytes:
    """`message` pickled as Connection.send would, with its length in front."""
    payload = ForkingPickler.dumps(message)
    size = len(payload)
    header = SHORT.pack(-1) + LONG.pack(size) if size > SHORT_MAX else SHORT.pack(size)
    return b"".join((header, payload))


class FrameReader:
    """Bytes as they arrive in, whole messages out."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def message(self) -> tuple[bool, Any]:
        """(True, the next message) once all of it has arrived, else (False, None).

        A payload that cannot be unpickled is still taken off whole, so the pipe stays in step,
        and its error raised.
        """
        header = SHORT.size
        if len(self._buffer) < header:
            return False, None
        (size,) = SHORT.unpack_from(self._buffer)
        if size == -1:
            if len(self._buffer) < header + LONG.size:
                return False, None
            (size,) = LONG.unpack_from(self._buffer, header)
            header += LONG.size
        if len(self._buffer) < header + size:
            return False, None
        payload = bytes(self._buffer[header : header + size])
        del self._buffer[: header + size]
        return True, pickle.loads(payload)
