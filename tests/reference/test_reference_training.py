"""The reference implementation learns XOR with the recorded settings."""

from __future__ import annotations

import numpy as np
import pytest

from reference import PRESETS, Network, TrainingRun, preset, xor
from reference.presets import XOR_TRAINING


def xor_for(net: Network) -> tuple[np.ndarray, np.ndarray]:
    return xor(one_hot=net.output == "softmax")


def test_xor_data() -> None:
    X, Y = xor()
    assert X.shape == (4, 2) and Y.shape == (4, 1)
    assert X.dtype == Y.dtype == np.float64
    np.testing.assert_allclose(Y[:, 0], np.logical_xor(X[:, 0], X[:, 1]), rtol=0, atol=0)
    _, Y1 = xor(one_hot=True)
    np.testing.assert_allclose(Y1.argmax(axis=1), Y[:, 0], rtol=0, atol=0)


def test_every_preset_has_training_settings() -> None:
    assert set(XOR_TRAINING) == set(PRESETS)
    for settings in XOR_TRAINING.values():
        assert set(settings) == {"seed", "scale", "bias_scale", "lr", "epochs"}
        assert settings["epochs"] <= 5000
    with pytest.raises(TypeError):
        XOR_TRAINING["two-layer"]["lr"] = 1.0  # type: ignore[index]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_learns_xor(name: str) -> None:
    net = preset(name)
    cfg = XOR_TRAINING[name]
    X, Y = xor_for(net)
    params = net.init(np.random.default_rng(cfg["seed"]), scale=cfg["scale"], bias_scale=cfg["bias_scale"])

    run = net.train(params, X, Y, lr=cfg["lr"], epochs=cfg["epochs"])

    assert isinstance(run, TrainingRun)
    assert run.losses.shape == (cfg["epochs"] + 1,)
    np.testing.assert_allclose(run.losses[0], net.loss_value(params, X, Y), rtol=1e-12)
    np.testing.assert_allclose(run.losses[-1], net.loss_value(run.params, X, Y), rtol=1e-12)
    assert run.losses[-1] < 0.1 * run.losses[0]

    out = net.predict(run.params, X)
    if net.output == "softmax":
        np.testing.assert_array_equal(out.argmax(axis=1), Y.argmax(axis=1))
    else:
        assert np.all((out > 0.5) == (Y > 0.5))
        assert np.all(np.abs(out - Y) < 0.2)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_train_does_not_mutate_inputs(name: str) -> None:
    net = preset(name)
    X, Y = xor_for(net)
    params = net.init(np.random.default_rng(0), bias_scale=0.5)
    before = {k: v.copy() for k, v in params.items()}
    X0, Y0 = X.copy(), Y.copy()

    run = net.train(params, X, Y, lr=0.5, epochs=5)

    for key in params:
        np.testing.assert_array_equal(params[key], before[key])
        assert run.params[key] is not params[key]
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_step_moves_against_the_gradient(name: str) -> None:
    net = preset(name)
    X, Y = xor_for(net)
    params = net.init(np.random.default_rng(1), bias_scale=0.5)
    before = {k: v.copy() for k, v in params.items()}
    grads = net.gradients(params, X, Y)

    new = net.step(params, grads, 1e-3)

    for key in params:
        np.testing.assert_allclose(new[key], before[key] - 1e-3 * grads[key], rtol=1e-15, atol=1e-15)
        np.testing.assert_array_equal(params[key], before[key])
    assert net.loss_value(new, X, Y) < net.loss_value(params, X, Y)
