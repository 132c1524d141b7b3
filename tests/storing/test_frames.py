"""Messages framed as multiprocessing's Connection frames them, read back as they arrive."""

import multiprocessing
import os
import pickle
import struct

import pytest

from savor.storing.frames import FrameReader, framed


def test_a_framed_message_is_what_a_connection_receives():
    ours, theirs = multiprocessing.Pipe()
    message = ("set", [b"x" * 100_000, {"a": 1}])
    with ours, theirs:
        ours.send_bytes(framed(message)[4:])  # send_bytes adds the same length header
        assert theirs.recv() == message


def test_what_a_connection_sends_is_read_whole_from_any_pieces():
    ours, theirs = multiprocessing.Pipe()
    messages = [("stored", [1, 2]), ("failed", "x" * 70_000)]
    with ours, theirs:
        for message in messages:
            theirs.send(message)
        theirs.close()
        wire = b"".join(iter(lambda: os.read(ours.fileno(), 65536), b""))
    reader = FrameReader()
    received = []
    for start in range(0, len(wire), 7):  # a few bytes at a time, as a pipe may hand them over
        reader.feed(wire[start : start + 7])
        while (found := reader.message())[0]:
            received.append(found[1])
    assert received == messages
    assert reader.message() == (False, None)


def test_the_long_header_of_a_payload_over_2_gib_is_understood():
    payload = pickle.dumps(["long"])
    reader = FrameReader()
    reader.feed(struct.pack("!i", -1) + struct.pack("!Q", len(payload)) + payload)
    assert reader.message() == (True, ["long"])


def test_an_answer_that_cannot_be_unpickled_is_taken_off_whole():
    reader = FrameReader()
    reader.feed(struct.pack("!i", 3) + b"bad" + framed("next"))
    with pytest.raises(pickle.UnpicklingError):
        reader.message()
    assert reader.message() == (True, "next")
