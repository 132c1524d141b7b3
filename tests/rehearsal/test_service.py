"""The service under rehearsal: its database is thrown away, so its commits do not wait for
the disk, on the request engine and the writer's alike."""

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from savor.db import make_engine, make_writer_engine
from savor.rehearsal.service import _without_flush_to_disk


def flushes_to_disk(engine: Engine) -> bool:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return connection.execute(text("PRAGMA synchronous")).scalar() != 0
        return connection.execute(text("SHOW synchronous_commit")).scalar() != "off"


@pytest.mark.parametrize("make", [make_engine, make_writer_engine])
def test_rehearsal_commits_do_not_wait_for_the_disk(database_url: str, make) -> None:
    engine = make(database_url)
    assert flushes_to_disk(engine)  # the service as deployed

    _without_flush_to_disk(engine)

    assert not flushes_to_disk(engine)
    assert not flushes_to_disk(engine)  # on every connection the pool hands out again
    engine.dispose()
