"""The reference's training run on XOR, kept between runs in the grader's own cache.

The descent check shows every student's loss curve next to the reference's, trained from the same
initial weights for the spec's epochs: the same run for every student of an assignment at given sizes,
and most of the time one check spends in the grader. It is computed once and stored in the grader's
cache folder (workers run in scratch folders of their own), keyed by everything the run depends on:
the whole spec as loaded (name, version, network, training settings with their seed...), the network
the run is at (the student's own sizes may differ), the XOR inputs' bias column, the reference's
source code and NumPy's version. Any
change gives a new key; an entry that cannot be read or does not fit is computed again.

The run is evidence (the reference curve, the reference's final loss): no verdict is decided by it;
the checks' answers that decide points (the probes) cost milliseconds and are always computed.
Entries are ``.npz`` files of float64 arrays, read without pickle.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

import reference
from grader.sandbox.warmup import cache_root
from grader.spec.assignment import Assignment
from reference import Network, TrainingRun

FORMAT = 1  # of the entries; a new layout gets a new number and so new keys


def _reference_source() -> str:
    """A digest of the reference implementation's code: a fix there must not be hidden by old entries."""
    digest = hashlib.sha256()
    for path in sorted(Path(reference.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _canonical(value: Any) -> Any:
    """``value`` as plain JSON data in a fixed order (sets sorted, mappings by key, dataclasses field by field)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda item: str(item[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def training_key(*, assignment: Assignment, network: Network, bias_column: bool) -> str:
    """The cache key of the reference's training run for ``assignment`` at ``network``'s sizes."""
    material: dict[str, Any] = {
        "format": FORMAT,
        "assignment": assignment.name,
        "version": assignment.version,
        "spec": _canonical(assignment),
        "network": dataclasses.asdict(network),
        "training": dataclasses.asdict(assignment.training),
        "one_hot": assignment.one_hot,
        "bias_column": bias_column,
        "reference": _reference_source(),
        "numpy": np.__version__,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()[:32]


def entry_path(key: str, *, root: Path | None = None) -> Path:
    """Where the entry of ``key`` is stored."""
    return (root or cache_root()) / "reference" / f"{key}.npz"


def _read(path: Path, *, network: Network, epochs: int) -> TrainingRun | None:
    shapes = network.param_shapes()
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    if any(value.dtype != np.float64 for value in arrays.values()):
        return None
    losses = arrays.pop("losses", None)
    params = {name[len("param:"):]: value for name, value in arrays.items() if name.startswith("param:")}
    if losses is None or losses.shape != (epochs + 1,) or set(params) != set(shapes):
        return None
    if any(params[name].shape != shape for name, shape in shapes.items()):
        return None
    return TrainingRun(params={name: params[name] for name in shapes}, losses=losses)


def _write(path: Path, run: TrainingRun) -> None:
    """Store ``run`` at ``path`` atomically (a reader sees the whole entry or none); failures are ignored."""
    arrays = {"losses": np.asarray(run.losses, dtype=np.float64),
              **{f"param:{name}": np.asarray(value, dtype=np.float64) for name, value in run.params.items()}}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".entry-", suffix=".npz", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)


def training_run(*, assignment: Assignment, network: Network, bias_column: bool,
                 compute: Callable[[], TrainingRun], root: Path | None = None) -> TrainingRun:
    """The reference's training run: read from the cache, else ``compute()``-d and stored."""
    path = entry_path(training_key(assignment=assignment, network=network, bias_column=bias_column), root=root)
    cached = _read(path, network=network, epochs=assignment.training.epochs)
    if cached is not None:
        return cached
    run = compute()
    _write(path, run)
    return run
