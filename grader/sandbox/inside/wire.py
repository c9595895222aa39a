"""The message format between the grader and a worker process.

A message is a 4-byte big-endian length, a UTF-8 JSON header of that length,
then the raw bytes of the arrays it carries (their sizes are listed in the
header under ``"blobs"``). Arrays travel as little-endian float64 with their
shape: nothing is ever pickled.

Values are encoded as small tagged JSON trees:
``{"t": "a", "b": blob index, "s": shape}`` array, ``{"t": "n", "v": 1.5}``
number, ``{"t": "s", "v": "..."}`` string, ``{"t": "b", "v": true}`` bool,
``{"t": "none"}``, ``{"t": "list"|"tuple", "v": [...]}``,
``{"t": "dict", "v": [[key, value], ...]}``, ``{"t": "h", "h": id, "type": name}``
an object left in the worker (a handle), and, grader to worker only,
``{"t": "ref", ...}`` a reference to a value in the worker.

Standalone: standard library and NumPy only (it is also loaded by the worker).
"""
from __future__ import annotations

import json
import os
import select
import struct
import time
from typing import Any

import numpy as np

MAX_HEADER = 16 * 1024 * 1024
MAX_BLOB = 256 * 1024 * 1024
MAX_BLOBS = 4096  # per message: the grader's replies need a few dozen
MAX_TOTAL = 256 * 1024 * 1024  # bytes of all blobs of one message, checked before any is read
_LEN = struct.Struct(">I")


class WireError(Exception):
    """A message could not be read or was malformed."""


class WireTimeout(WireError):
    """No complete message arrived before the deadline."""


class WireClosed(WireError):
    """The other side closed its end."""


def array_blob(value: Any) -> tuple[bytes, list[int]]:
    """Raw little-endian float64 bytes and shape of a numeric array."""
    arr = np.array(value, dtype="<f8", copy=True, subok=False, order="C")
    return arr.tobytes(), [int(n) for n in arr.shape]


def blob_array(blob: bytes, shape: list[int]) -> np.ndarray:
    """The float64 array stored in ``blob`` (a fresh, writable copy)."""
    count = int(np.prod(shape)) if shape else 1
    if len(blob) != 8 * count:
        raise WireError(f"array of shape {shape} needs {8 * count} bytes, got {len(blob)}")
    return np.frombuffer(blob, dtype="<f8").reshape(shape).astype(np.float64, copy=True)


def pack(header: dict[str, Any], blobs: list[bytes]) -> bytes:
    """One message as bytes."""
    header = dict(header, blobs=[len(b) for b in blobs])
    raw = json.dumps(header, allow_nan=True).encode()
    return b"".join([_LEN.pack(len(raw)), raw, *blobs])


def write_message(fd: int, header: dict[str, Any], blobs: list[bytes]) -> None:
    """Send one message on a file descriptor."""
    data = memoryview(pack(header, blobs))
    while data:
        sent = os.write(fd, data)
        data = data[sent:]


def _wait(fd: int, deadline: float | None) -> None:
    """Return once ``fd`` is readable; WireTimeout if the deadline passes first (None: no deadline)."""
    if deadline is not None:
        wait = deadline - time.monotonic()
        if wait <= 0 or not select.select([fd], [], [], wait)[0]:
            raise WireTimeout("no reply in time")


def _header(raw: bytes | bytearray) -> tuple[dict[str, Any], list[int]]:
    """The parsed header and its blob sizes, refused if malformed or if the blobs exceed the caps."""
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise WireError(f"message header is not JSON: {exc}") from None
    if not isinstance(header, dict):
        raise WireError("message header is not an object")
    sizes = header.get("blobs", [])
    if not isinstance(sizes, list) or not all(type(n) is int and 0 <= n <= MAX_BLOB for n in sizes):
        raise WireError("message lists invalid blob sizes")
    if len(sizes) > MAX_BLOBS or sum(sizes) > MAX_TOTAL:
        raise WireError(f"message announces {len(sizes)} blobs of {sum(sizes)} bytes in all "
                        f"(at most {MAX_BLOBS} and {MAX_TOTAL} bytes)")
    return header, sizes


def _header_size(prefix: bytes | bytearray) -> int:
    (size,) = _LEN.unpack_from(prefix)
    if size > MAX_HEADER:
        raise WireError(f"message header of {size} bytes is too large")
    return size


class Reader:
    """Reads the messages of one channel through a buffer: one read takes whatever has arrived (up to
    ``CHUNK`` bytes), so a small message costs one wait and one read, not one per part.

    Bytes read past a message stay in the buffer for the next call: a channel needs one reader for its
    whole life, and nothing else may read its file descriptor. The caps are checked as soon as the
    length, then the header, is in the buffer, before more is read for the sizes they announce; the
    buffer never holds more than the message being read plus one read.
    """

    CHUNK = 1 << 20

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()
        self.scratch = bytearray(self.CHUNK)  # reused: a fresh 1 MiB bytes object per read costs an mmap

    def _fill(self, size: int, deadline: float | None) -> None:
        """Read until the buffer holds at least ``size`` bytes."""
        while len(self.buffer) < size:
            _wait(self.fd, deadline)
            count = os.readv(self.fd, [self.scratch])
            if not count:
                raise WireClosed("the other side closed the channel")
            with memoryview(self.scratch) as view:
                self.buffer += view[:count]

    def read(self, deadline: float | None = None) -> tuple[dict[str, Any], list[bytes]]:
        """Receive one message; ``deadline`` is a ``time.monotonic()`` value or None.

        A timeout or a closed channel keeps the part of a message already read: the next call goes on
        from there.
        """
        start = _LEN.size
        self._fill(start, deadline)
        end = start + _header_size(self.buffer)
        self._fill(end, deadline)
        header, sizes = _header(self.buffer[start:end])
        self._fill(end + sum(sizes), deadline)
        blobs = []
        with memoryview(self.buffer) as view:
            for size in sizes:
                blobs.append(bytes(view[end:end + size]))
                end += size
        del self.buffer[:end]
        return header, blobs
