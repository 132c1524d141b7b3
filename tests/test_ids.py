"""Ids from blocks of kernel randomness: valid version 4 UUIDs, never repeated."""

import os
import threading
import uuid

import savor.ids
from savor.ids import BLOCK_IDS, new_id, new_ids_hex


def test_ids_are_random_version_4_uuids():
    made = new_id()
    assert made.version == 4
    assert made.variant == uuid.RFC_4122


def test_ids_do_not_repeat_across_blocks_and_threads():
    found: list[uuid.UUID] = []

    def draw() -> None:
        found.extend(new_id() for _ in range(BLOCK_IDS * 3))

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(found)) == len(found) == BLOCK_IDS * 12


def test_a_forked_process_draws_other_ids_than_its_parent():
    new_id()  # the parent holds a partly used block
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(writer, new_id().bytes)
        os._exit(0)
    os.waitpid(child, 0)
    from_child = uuid.UUID(bytes=os.read(reader, 16))
    assert from_child != new_id()


def test_hex_ids_are_version_4_uuids_with_every_random_bit_kept(monkeypatch):
    drawn = bytes(range(0xE0, 0x100))
    monkeypatch.setattr(savor.ids.os, "urandom", lambda size: drawn[:size])

    texts = new_ids_hex(2)

    assert texts == [uuid.UUID(bytes=drawn[n : n + 16], version=4).hex for n in (0, 16)]
    assert all(uuid.UUID(t).version == 4 and uuid.UUID(t).variant == uuid.RFC_4122 for t in texts)


def test_hex_ids_do_not_repeat():
    drawn = new_ids_hex(BLOCK_IDS * 3) + new_ids_hex(BLOCK_IDS)

    assert len(set(drawn)) == len(drawn)
