"""The grader <-> worker message format, and the grader-side decoding of worker values."""
from __future__ import annotations

import ast
import io
import struct
import time
import tokenize
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import grader
from grader.errors import ProtocolError
from grader.sandbox.remote import Encoder, Handle, Ref, decode
from grader.sandbox.inside import wire

GRADER = Path(grader.__file__).resolve().parent


def soon(seconds: float = 2.0) -> float:
    return time.monotonic() + seconds


# -- framing ---------------------------------------------------------------------------------------

def test_pack_layout_is_length_header_blobs():
    data = wire.pack({"op": "x"}, [b"12345678"])
    (size,) = struct.unpack(">I", data[:4])
    assert data[4:4 + size] == b'{"op": "x", "blobs": [8]}'
    assert data[4 + size:] == b"12345678"


def test_roundtrip_of_header_and_float64_arrays(pipe):
    r, w = pipe
    a = np.arange(6, dtype=np.float64).reshape(2, 3) / 7.0
    b = np.array(-1.5)
    blobs, shapes = zip(*(wire.array_blob(x) for x in (a, b)))
    wire.write_message(w, {"op": "call", "args": [{"t": "a", "b": 0, "s": shapes[0]}], "x": 1.5}, list(blobs))
    header, got = wire.Reader(r).read(soon())
    assert header["op"] == "call" and header["x"] == 1.5 and header["blobs"] == [48, 8]
    assert header["args"] == [{"t": "a", "b": 0, "s": [2, 3]}]
    back = [wire.blob_array(blob, shape) for blob, shape in zip(got, shapes)]
    assert np.array_equal(back[0], a) and back[0].dtype == np.float64 and back[0].flags.writeable
    assert back[1].shape == () and float(back[1]) == -1.5


def test_arrays_of_other_dtypes_travel_as_float64():
    blob, shape = wire.array_blob(np.array([[1, 2]], dtype=np.int32))
    assert shape == [1, 2] and len(blob) == 16
    assert wire.blob_array(blob, shape).tolist() == [[1.0, 2.0]]


@pytest.mark.parametrize("size, shape", [(16, [3]), (8, [2, 2]), (0, []), (24, [-1])])
def test_blob_size_mismatch_is_rejected(size, shape):
    with pytest.raises(wire.WireError, match="needs"):
        wire.blob_array(b"\x00" * size, shape)


# -- decoding on the grader side -------------------------------------------------------------------

PLAIN_SCALARS = (float, str, bool, type(None), Handle)


def assert_plain(value: Any) -> None:
    """Only plain data: float64 ndarrays (not subclasses), floats, strings, bools, None, containers, Handles."""
    if isinstance(value, np.ndarray):
        assert type(value) is np.ndarray and value.dtype == np.float64
        return
    if isinstance(value, (list, tuple)):
        assert type(value) in (list, tuple)
        for item in value:
            assert_plain(item)
        return
    if isinstance(value, dict):
        assert type(value) is dict
        for key, item in value.items():
            assert type(key) in (str, float, bool, type(None))
            assert_plain(item)
        return
    assert type(value) in PLAIN_SCALARS, type(value)


def test_every_tag_decodes_to_a_plain_value():
    blobs = [np.array([1.0, 2.0]).tobytes()]
    tree = {"t": "dict", "v": [
        [{"t": "s", "v": "array"}, {"t": "a", "b": 0, "s": [2, 1]}],
        [{"t": "s", "v": "number"}, {"t": "n", "v": 3}],
        [{"t": "s", "v": "flag"}, {"t": "b", "v": True}],
        [{"t": "s", "v": "nothing"}, {"t": "none"}],
        [{"t": "s", "v": "items"}, {"t": "list", "v": [{"t": "n", "v": 1.5}, {"t": "s", "v": "x"}]}],
        [{"t": "s", "v": "pair"}, {"t": "tuple", "v": [{"t": "none"}, {"t": "b", "v": False}]}],
        [{"t": "s", "v": "object"}, {"t": "h", "h": 7, "type": "SimpleNN"}],
    ]}
    value = decode(tree, blobs)
    assert_plain(value)
    assert value["array"].shape == (2, 1) and value["array"].ravel().tolist() == [1.0, 2.0]
    assert value["number"] == 3.0 and type(value["number"]) is float
    assert value["flag"] is True and value["nothing"] is None
    assert value["items"] == [1.5, "x"] and value["pair"] == (None, False)
    assert value["object"] == Handle(7, "SimpleNN")


def test_decoded_arrays_are_writable_copies():
    blob = np.array([1.0, 2.0]).tobytes()
    arr = decode({"t": "a", "b": 0, "s": [2]}, [blob])
    arr[0] = 5.0
    assert blob == np.array([1.0, 2.0]).tobytes()


@pytest.mark.parametrize("tree, expected", [
    ({"t": "n", "v": "1e3"}, 1000.0),          # number sent as text
    ({"t": "s", "v": 12}, "12"),               # string sent as number
    ({"t": "b", "v": 1}, True),
    ({"t": "h", "h": "5"}, Handle(5, "object")),
])
def test_odd_payloads_are_coerced_to_the_tag_type(tree, expected):
    value = decode(tree, [])
    assert value == expected and type(value) is type(expected)


def test_unhashable_or_odd_dict_keys_become_strings():
    tree = {"t": "dict", "v": [
        [{"t": "list", "v": [{"t": "n", "v": 1}]}, {"t": "n", "v": 1}],
        [{"t": "h", "h": 2, "type": "X"}, {"t": "n", "v": 2}],
        [{"t": "n", "v": 3}, {"t": "n", "v": 3}],
    ]}
    value = decode(tree, [])
    assert_plain(value)
    assert value == {"[1.0]": 1.0, "Handle(id=2, type='X')": 2.0, 3.0: 3.0}


def test_grader_encoding_decodes_back():
    encoder = Encoder()
    value = {"X": np.eye(2), "lr": 0.5, "name": "net", "flags": [True, None], "pair": (1.5, "a")}
    back = decode(encoder.encode(value), encoder.blobs)
    assert_plain(back)
    assert np.array_equal(back["X"], np.eye(2))
    assert back["lr"] == 0.5 and back["flags"] == [True, None] and back["pair"] == (1.5, "a")


def test_grader_refuses_to_send_arbitrary_objects():
    with pytest.raises(TypeError, match="cannot send a object"):
        Encoder().encode(object())


def test_ref_wire_form():
    ref = Ref.name("net").attr("W1").item(0)
    assert ref.to_wire() == {"t": "ref", "root": {"g": "net"}, "path": [["a", "W1"], ["i", 0]]}
    assert str(ref) == "net.W1[0]"


@pytest.mark.parametrize("tag", ["ref", "pickle", "object", "call", ""])
def test_unknown_tags_are_a_protocol_error(tag):
    with pytest.raises(ProtocolError, match="unknown value tag"):
        decode({"t": tag, "v": "x"}, [])


def test_unknown_tag_nested_in_a_container_is_a_protocol_error():
    with pytest.raises(ProtocolError, match="unknown value tag"):
        decode({"t": "list", "v": [{"t": "n", "v": 1}, {"t": "code", "v": "print(1)"}]}, [])


@pytest.mark.parametrize("tree, blobs", [
    ("not a tree", []),
    (None, []),
    ({"v": 1}, []),                               # no tag
    ({"t": "a", "b": 3, "s": [1]}, []),           # missing blob
    ({"t": "a", "b": 0, "s": [3]}, [b"\0" * 8]),  # blob of the wrong size
    ({"t": "a", "b": 0, "s": ["x"]}, [b"\0" * 8]),
    ({"t": "n", "v": "many"}, []),
    ({"t": "h", "h": None}, []),
    ({"t": "list", "v": 5}, []),
    ({"t": "dict", "v": [[{"t": "n", "v": 1}]]}, []),
])
def test_malformed_trees_are_a_protocol_error(tree, blobs):
    with pytest.raises(ProtocolError, match="unreadable value"):
        decode(tree, blobs)


# -- no pickle anywhere on the worker path ---------------------------------------------------------

PICKLERS = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "shelve", "marshal"}


def worker_path_sources() -> list[Path]:
    files = sorted((GRADER / "sandbox" / "inside").glob("*.py")) + [GRADER / "sandbox" / "remote.py"]
    assert len(files) >= 4, files  # __init__, runner, wire, remote
    return files


@pytest.mark.parametrize("path", worker_path_sources(), ids=lambda p: p.name)
def test_no_module_on_the_worker_path_uses_pickle(path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert node.value not in PICKLERS, f"{path.name} names {node.value!r} (dynamic import?)"
    assert not imported & PICKLERS, f"{path.name} imports {imported & PICKLERS}"
    # Names used in the code itself (comments and docstrings are not code).
    names = {tok.string for tok in tokenize.generate_tokens(io.StringIO(source).readline)
             if tok.type == tokenize.NAME}
    assert not names & PICKLERS, f"{path.name} uses {names & PICKLERS}"
    assert "allow_pickle" not in names, f"{path.name} lets NumPy unpickle"
