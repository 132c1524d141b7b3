"""The writer process's own loop: each set it is handed stored in one transaction, and answered.

It reads and writes its end of the pipe with `Connection.recv` and `send`, blocking; the
server's end frames the same messages without blocking (`savor.storing.frames`).
"""

import gc
import logging
import pickle
import signal
from multiprocessing.connection import Connection
from typing import Any

from sqlmodel import Session

from savor.storing.sets import as_a_set

log = logging.getLogger(__name__)


def serve(pipe: Connection, database_url: str, log_level: str, log_format: str) -> None:
    """The child's loop: store each set it is handed in one transaction and answer it."""
    from savor.db import make_writer_engine
    from savor.logs import configure_logging

    # Ctrl-C in a terminal reaches the whole process group: the server decides when to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A file that may not grow (a size limit, a quota) is a full disk: an error to answer
    # with a 503, not a signal that ends the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    configure_logging(level=log_level, fmt=log_format)
    engine = make_writer_engine(database_url)
    gc.freeze()  # what is loaded by now lives as long as the process: no collection rescans it
    try:
        while True:
            try:
                message = pipe.recv()
            except (EOFError, OSError):
                return  # the server is gone
            if message is None:
                return
            handler, items = message
            try:
                with Session(engine, expire_on_commit=False) as session:
                    outcomes = as_a_set(session, handler, items)
                    session.commit()
                answer: tuple[str, Any] = ("stored", outcomes)
            except Exception as error:
                log.exception("storing a set of %d items failed", len(items))
                answer = ("failed", error)
            try:
                pipe.send(answer)
            except (pickle.PicklingError, TypeError, AttributeError) as unsendable:
                # Not acknowledged, so the phones send the set again; what did commit is then
                # found by its client id.
                log.error("the answer to a set could not be sent back: %s", unsendable)
                pipe.send(("failed", RuntimeError(f"the writer could not answer: {unsendable}")))
    finally:
        engine.dispose()
