"""The buffered reader of a channel (wire.Reader): whole messages out of whatever each read brought."""
from __future__ import annotations

import json
import os
import struct
import threading
import time
from typing import Any, Callable

import numpy as np
import pytest

from grader.sandbox.inside import wire


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The byte counts of every read made on any descriptor while the test runs."""
    counts: list[int] = []
    readv: Callable[..., int] = os.readv

    def counting(fd: int, buffers: Any) -> int:
        count = readv(fd, buffers)
        counts.append(count)
        return count
    monkeypatch.setattr(os, "readv", counting)
    return counts


def soon(seconds: float = 2.0) -> float:
    return time.monotonic() + seconds


def message(n: int, blob: bytes = b"") -> bytes:
    return wire.pack({"op": "x", "n": n}, [blob] if blob else [])


def test_several_messages_in_one_read_are_returned_one_by_one(pipe, reads):
    r, w = pipe
    os.write(w, message(1, b"a" * 8) + message(2) + message(3, b"c" * 16))
    reader = wire.Reader(r)
    assert reader.read(soon()) == ({"op": "x", "n": 1, "blobs": [8]}, [b"a" * 8])
    assert reader.read(soon()) == ({"op": "x", "n": 2, "blobs": []}, [])
    assert reader.read(soon()) == ({"op": "x", "n": 3, "blobs": [16]}, [b"c" * 16])
    assert len(reads) == 1  # one read brought all three
    assert not reader.buffer


def test_a_small_message_costs_one_read(pipe, reads):
    r, w = pipe
    reader = wire.Reader(r)
    for n in range(5):
        os.write(w, message(n, b"x" * 8))
        assert reader.read(soon())[0]["n"] == n
    assert reads == [len(message(0, b"x" * 8))] * 5


def test_a_message_split_across_many_reads_arrives_whole(pipe, reads):
    r, w = pipe
    values = np.random.default_rng(1).standard_normal(40)
    blob, shape = wire.array_blob(values)
    data = wire.pack({"op": "call", "s": shape}, [blob, b"tail"])

    def trickle() -> None:
        for start in range(0, len(data), 7):
            os.write(w, data[start:start + 7])
            time.sleep(0.001)
    writer = threading.Thread(target=trickle)
    writer.start()
    header, blobs = wire.Reader(r).read(soon(10))
    writer.join()
    assert header["op"] == "call" and header["blobs"] == [len(blob), 4]
    assert np.array_equal(wire.blob_array(blobs[0], shape), values) and blobs[1] == b"tail"
    assert len(reads) > 1


def test_a_message_larger_than_the_pipe_buffer_arrives_whole(pipe):
    r, w = pipe
    big = np.random.default_rng(0).standard_normal(300_000)  # 2.4 MB: several reads of the largest size
    blob, shape = wire.array_blob(big)
    writer = threading.Thread(target=wire.write_message, args=(w, {"op": "big"}, [blob]))
    writer.start()
    reader = wire.Reader(r)
    header, blobs = reader.read(soon(10))
    writer.join()
    assert np.array_equal(wire.blob_array(blobs[0], shape), big)
    assert not reader.buffer


@pytest.mark.parametrize("cut", [2, 4, 10, -20, -1])  # in the length, at its end, in the header, in the blob
def test_a_timeout_keeps_the_part_already_read_for_the_next_call(pipe, cut):
    r, w = pipe
    data = message(1, b"b" * 24)
    reader = wire.Reader(r)
    os.write(w, data[:cut])
    started = time.monotonic()
    with pytest.raises(wire.WireTimeout):
        reader.read(time.monotonic() + 0.1)
    assert 0.05 < time.monotonic() - started < 2.0
    os.write(w, data[cut:] + message(2))
    assert reader.read(soon()) == ({"op": "x", "n": 1, "blobs": [24]}, [b"b" * 24])
    assert reader.read(soon())[0]["n"] == 2


def test_no_data_before_the_deadline_is_a_timeout(pipe):
    r, _ = pipe
    started = time.monotonic()
    with pytest.raises(wire.WireTimeout):
        wire.Reader(r).read(time.monotonic() + 0.2)
    assert 0.15 < time.monotonic() - started < 2.0


def test_a_whole_message_already_read_is_returned_even_past_the_deadline(pipe):
    r, w = pipe
    os.write(w, message(1) + message(2))
    reader = wire.Reader(r)
    reader.read(soon())
    assert reader.read(time.monotonic() - 1)[0]["n"] == 2


def test_closed_channel_is_reported(pipe):
    r, w = pipe
    os.write(w, message(1))
    os.close(w)
    reader = wire.Reader(r)
    assert reader.read(soon())[0]["n"] == 1
    with pytest.raises(wire.WireClosed):
        reader.read(soon())


@pytest.mark.parametrize("cut", [0, 3, 10, -4])  # nothing at all, in the length, the header, the blob
def test_channel_closed_in_the_middle_of_a_message_is_reported(pipe, cut):
    r, w = pipe
    os.write(w, message(1, b"x" * 16)[:cut])
    os.close(w)
    with pytest.raises(wire.WireClosed):
        wire.Reader(r).read(soon())


def test_without_a_deadline_a_read_waits_for_the_message(pipe):
    r, w = pipe
    timer = threading.Timer(0.1, os.write, args=(w, message(7)))
    timer.start()
    assert wire.Reader(r).read()[0]["n"] == 7
    timer.join()


def test_oversize_header_is_refused_before_it_is_read(pipe, reads):
    r, w = pipe
    os.write(w, struct.pack(">I", wire.MAX_HEADER + 1))  # nothing follows: reading on would time out
    with pytest.raises(wire.WireError, match="too large"):
        wire.Reader(r).read(soon(10))
    assert reads == [4]


@pytest.mark.parametrize("sizes", [
    [8] * (wire.MAX_BLOBS + 1),  # too many blobs, each small
    [wire.MAX_BLOB] * (wire.MAX_TOTAL // wire.MAX_BLOB + 1),  # each allowed, too many bytes in all
])
def test_announced_blobs_beyond_the_caps_are_refused_before_any_is_read(pipe, sizes):
    r, w = pipe
    raw = json.dumps({"blobs": sizes}).encode()
    writer = threading.Thread(target=os.write, args=(w, struct.pack(">I", len(raw)) + raw))  # no blob follows
    writer.start()
    reader = wire.Reader(r)
    started = time.monotonic()
    with pytest.raises(wire.WireError, match="announces"):
        reader.read(time.monotonic() + 10)
    writer.join()
    assert time.monotonic() - started < 5
    assert len(reader.buffer) == 4 + len(raw)  # nothing was read, or kept room for, past the header


@pytest.mark.parametrize("raw, match", [
    (b"[1, 2]", "not an object"),
    (b"{not json", "not JSON"),
    (b"\xff\xfe\xfd", "not JSON"),
    (b'{"blobs": [-1]}', "invalid blob sizes"),
    (b'{"blobs": [1.5]}', "invalid blob sizes"),
    (b'{"blobs": "8"}', "invalid blob sizes"),
    (b'{"blobs": [%d]}' % (wire.MAX_BLOB + 1), "invalid blob sizes"),
])
def test_malformed_headers_are_refused(pipe, raw, match):
    r, w = pipe
    os.write(w, struct.pack(">I", len(raw)) + raw)
    with pytest.raises(wire.WireError, match=match):
        wire.Reader(r).read(soon())


def test_deeply_nested_header_is_a_wire_error(pipe):
    r, w = pipe
    raw = b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    os.write(w, struct.pack(">I", len(raw)))
    writer = threading.Thread(target=os.write, args=(w, raw))
    writer.start()
    try:
        with pytest.raises(wire.WireError):
            wire.Reader(r).read(soon())
    finally:
        writer.join(timeout=5)
