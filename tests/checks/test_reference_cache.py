"""The reference's training run kept in the grader's cache (grader/checks/cache.py): read back exactly,
computed again when the spec (or anything else the run depends on) changes or the entry is damaged, and
the same verdicts with a cold or a warm cache."""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from conftest import FAST, FILES, ROOT
from grader import load_assignment
from grader.checks import Reference
from grader.checks.cache import entry_path, training_key
from grader.grading import grade_submission
from grader.results import SubmissionResult
from grader.sandbox.submission import from_path
from reference import Network

SPEC_FILE = ROOT / "assignments" / "two-layer" / "spec.toml"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of the grader's own for this test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "backprop-grader"


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every reference training run (and lets it run): a cache hit records none."""
    runs: list[str] = []
    train = Network.train

    def counted(self: Network, *args, **kwargs):
        runs.append(str(self.layers))
        return train(self, *args, **kwargs)

    monkeypatch.setattr(Network, "train", counted)
    return runs


def test_a_stored_run_is_read_back_exactly_without_training_again(cache: Path, no_training: list[str]):
    spec = load_assignment("two-layer")
    first = Reference(spec, 0).training
    assert no_training == ["(2, 4, 1)"]
    key = training_key(assignment=spec, network=spec.network, bias_column=False)
    assert entry_path(key).is_file() and entry_path(key).is_relative_to(cache)
    again = Reference(spec, 0).training
    assert no_training == ["(2, 4, 1)"]  # read, not trained
    assert np.array_equal(again.losses, first.losses) and again.losses.dtype == np.float64
    assert again.params.keys() == first.params.keys()
    assert all(np.array_equal(again.params[k], first.params[k]) for k in first.params)


def test_a_changed_spec_is_a_new_entry(cache: Path, tmp_path: Path, no_training: list[str]):
    folder = tmp_path / "lab"
    folder.mkdir()
    shutil.copy(SPEC_FILE, folder / "spec.toml")
    before = load_assignment(folder / "spec.toml")
    old = Reference(before, 0).training
    text = (folder / "spec.toml").read_text()
    (folder / "spec.toml").write_text(text.replace("lr = 2.0", "lr = 1.0", 1))
    after = load_assignment(folder / "spec.toml")
    assert after.training.lr == 1.0
    new = Reference(after, 0).training
    assert len(no_training) == 2  # trained again for the changed spec
    assert not np.allclose(new.losses, old.losses)
    assert np.array_equal(new.losses, after.network.train(Reference(after, 0).initial_params, *Reference(after, 0).xor,
                                                           lr=1.0, epochs=after.training.epochs).losses)
    # any change to the spec as loaded makes a new key, even one the run does not use; a comment does not
    (folder / "spec.toml").write_text(text.replace("descent = 2", "descent = 3", 1))
    points = load_assignment(folder / "spec.toml")
    (folder / "spec.toml").write_text(text + "\n# a comment\n")
    commented = load_assignment(folder / "spec.toml")
    keys = [training_key(assignment=a, network=a.network, bias_column=False)
            for a in (before, after, points, commented)]
    assert len(set(keys[:3])) == 3 and keys[3] == keys[0]


def test_everything_the_run_depends_on_is_in_the_key():
    spec = load_assignment("two-layer")
    key = training_key(assignment=spec, network=spec.network, bias_column=False)
    others = [
        training_key(assignment=spec, network=spec.network, bias_column=True),
        training_key(assignment=spec, network=replace(spec.network, layers=(2, 8, 1)), bias_column=False),
        training_key(assignment=replace(spec, training=replace(spec.training, seed=1)), network=spec.network,
                     bias_column=False),
        training_key(assignment=replace(spec, training=replace(spec.training, epochs=1000)), network=spec.network,
                     bias_column=False),
        training_key(assignment=replace(spec, version=spec.version + 1), network=spec.network, bias_column=False),
    ]
    assert key not in others and len(set(others)) == len(others)
    assert training_key(assignment=load_assignment("two-layer"), network=spec.network, bias_column=False) == key


@pytest.mark.parametrize("damage", ["garbage", "wrong shapes", "integers"])
def test_a_damaged_entry_is_computed_again(cache: Path, no_training: list[str], damage: str):
    spec = load_assignment("two-layer")
    good = Reference(spec, 0).training
    path = entry_path(training_key(assignment=spec, network=spec.network, bias_column=False))
    if damage == "garbage":
        path.write_bytes(b"not an npz file")
    elif damage == "wrong shapes":
        np.savez(path, losses=np.zeros(3), **{f"param:{k}": v for k, v in good.params.items()})
    else:
        np.savez(path, losses=good.losses.astype(np.int64), **{f"param:{k}": v for k, v in good.params.items()})
    again = Reference(spec, 0).training
    assert len(no_training) == 2
    assert np.array_equal(again.losses, good.losses)
    assert Reference(spec, 0).training.losses.shape == good.losses.shape  # the repaired entry is read
    assert len(no_training) == 2


def _verdicts(result: SubmissionResult) -> list[tuple]:
    return [(c.id, c.points, c.message, c.diagnoses, c.evidence) for c in result.checks]


@pytest.mark.parametrize("name", ["passes_mean.py", "fails_gradients_sign_error.py"])
def test_verdicts_are_the_same_with_a_cold_and_a_warm_cache(cache: Path, no_training: list[str], name: str):
    spec = load_assignment("two-layer")
    path = FILES / "two_layer" / name
    cold = grade_submission(submission=from_path(path), assignment=spec, limits=FAST)
    assert no_training  # the cold run trained the reference
    trained = len(no_training)
    warm = grade_submission(submission=from_path(path), assignment=spec, limits=FAST)
    assert len(no_training) == trained  # the warm one read it
    assert cold.status == warm.status == "ok"
    assert _verdicts(warm) == _verdicts(cold)
    assert warm.check("descent").evidence["reference_curve"] == cold.check("descent").evidence["reference_curve"]
