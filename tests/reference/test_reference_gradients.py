"""Analytic gradients of the reference implementation vs. central finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from reference import ACTIVATIONS, LOSSES, PRESETS, Network, numerical_gradients, preset, relative_error
from reference.losses import output_delta

TOL = 1e-7
# eps=1e-5 rather than the default 1e-6: with mean-convention losses some gradients are
# ~1e-3, and at eps=1e-6 float64 round-off in the loss alone gives relative errors ~5e-8.
EPS = 1e-5

EXTRA_NETWORKS = {
    "no-bias": Network((2, 4, 1), bias=False),
    "tanh-hidden": Network((2, 5, 1), hidden="tanh"),
    "identity-output-mse": Network((3, 4, 2), hidden="tanh", output="identity", loss="mse"),
    "sigmoid-mse-3-layers": Network((3, 5, 4, 2), hidden="sigmoid", output="sigmoid", loss="mse"),
    "tanh-softmax": Network((2, 3, 3), hidden="tanh", output="softmax", loss="softmax_ce"),
}
NETWORKS = {**{name: preset(name) for name in PRESETS}, **EXTRA_NETWORKS}


def random_targets(net: Network, rng: np.random.Generator, n: int) -> np.ndarray:
    out = net.layers[-1]
    if net.output == "softmax":
        return np.eye(out)[rng.integers(0, out, size=n)]
    if net.output == "identity":
        return rng.standard_normal((n, out))
    return rng.integers(0, 2, size=(n, out)).astype(np.float64)


@pytest.mark.parametrize("name", sorted(NETWORKS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradients_match_finite_differences(name: str, seed: int) -> None:
    net = NETWORKS[name]
    rng = np.random.default_rng(1000 + seed)
    params = net.init(rng, scale=1.0, bias_scale=0.5)
    X = rng.standard_normal((5, net.layers[0]))
    Y = random_targets(net, rng, 5)

    analytic = net.gradients(params, X, Y)
    numeric = numerical_gradients(net, params, X, Y, eps=EPS)

    assert list(analytic) == net.param_names()
    assert set(analytic) == set(params)
    for key in params:
        assert analytic[key].shape == params[key].shape
        assert analytic[key].dtype == np.float64
        err = relative_error(analytic[key], numeric[key])
        assert err < TOL, f"{name} {key}: relative error {err:.2e}"


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_param_shapes_and_init(name: str) -> None:
    net = NETWORKS[name]
    params = net.init(np.random.default_rng(0), bias_scale=0.0)
    assert list(params) == net.param_names()
    assert {k: v.shape for k, v in params.items()} == net.param_shapes()
    for key, value in params.items():
        assert value.dtype == np.float64
        if key.startswith("b"):
            assert not np.any(value)


def test_forward_trace_shapes() -> None:
    net = Network([2, 3, 4, 1])
    assert net.layers == (2, 3, 4, 1)
    params = net.init(np.random.default_rng(0), bias_scale=0.1)
    X = np.random.default_rng(1).standard_normal((6, 2))
    trace = net.forward(params, X)
    assert len(trace.inputs) == len(trace.zs) == len(trace.activations) == 3
    np.testing.assert_allclose(trace.inputs[0], X, rtol=0, atol=0)
    assert [z.shape for z in trace.zs] == [(6, 3), (6, 4), (6, 1)]
    for nxt, act in zip(trace.inputs[1:], trace.activations[:-1]):
        np.testing.assert_allclose(nxt, act, rtol=0, atol=0)
    np.testing.assert_allclose(trace.output, net.predict(params, X), rtol=1e-15, atol=0)


@pytest.mark.parametrize("bad", [dict(layers=(2,)), dict(layers=(2, 1), hidden="nope"), dict(layers=(2, 1), loss="l1")])
def test_network_validation(bad: dict) -> None:
    with pytest.raises(ValueError):
        Network(**bad)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_backward_matches_finite_differences(name: str) -> None:
    act = ACTIVATIONS[name]
    rng = np.random.default_rng(7)
    z = rng.standard_normal((4, 3)) * 2.0
    if name == "relu":  # keep clear of the kink at 0
        z = np.where(np.abs(z) < 0.1, 0.5, z)
    grad_a = rng.standard_normal(z.shape)
    analytic = act.backward(z, act.forward(z), grad_a)

    eps = 1e-6
    numeric = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[idx] += eps
        zm[idx] -= eps
        numeric[idx] = np.sum(grad_a * (act.forward(zp) - act.forward(zm))) / (2 * eps)
    assert relative_error(analytic, numeric) < TOL


def test_relu_derivative_is_zero_at_zero() -> None:
    relu = ACTIVATIONS["relu"]
    z = np.array([[-1.0, 0.0, 2.0]])
    np.testing.assert_allclose(relu.backward(z, relu.forward(z), np.ones_like(z)), [[0.0, 0.0, 1.0]], rtol=0, atol=0)


def test_sigmoid_is_stable_for_large_inputs() -> None:
    sig = ACTIVATIONS["sigmoid"].forward
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = sig(np.array([[-1000.0, 0.0, 1000.0]]))
    np.testing.assert_allclose(out, [[0.0, 0.5, 1.0]], rtol=0, atol=1e-15)


def test_softmax_rows_sum_to_one() -> None:
    softmax = ACTIVATIONS["softmax"].forward
    rng = np.random.default_rng(3)
    for z in (rng.standard_normal((5, 4)), rng.standard_normal((5, 4)) * 1000.0):
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            p = softmax(z)
        assert np.all(p >= 0.0)
        np.testing.assert_allclose(p.sum(axis=1), np.ones(5), rtol=0, atol=1e-12)


@pytest.mark.parametrize("pair", [("sigmoid", "bce"), ("softmax", "softmax_ce")])
def test_fused_output_delta_matches_chain_rule(pair: tuple[str, str]) -> None:
    act, loss = ACTIVATIONS[pair[0]], LOSSES[pair[1]]
    rng = np.random.default_rng(5)
    z = rng.standard_normal((5, 3))
    a = act.forward(z)
    y = np.eye(3)[rng.integers(0, 3, size=5)] if pair[0] == "softmax" else rng.integers(0, 2, (5, 3)).astype(float)
    fused = output_delta(activation=act, loss=loss, z=z, a=a, y=y)
    chained = act.backward(z, a, loss.grad(a, y))
    assert relative_error(fused, chained) < 1e-12


@pytest.mark.parametrize("pair", [("sigmoid", "bce"), ("softmax", "softmax_ce"), ("identity", "mse"),
                                  ("softmax", "mse")])
def test_a_stack_of_blocks_gets_each_blocks_own_gradient(pair: tuple[str, str]) -> None:
    """Activations work along the last axis and loss gradients divide by one (N, out) block's size, so a
    stack of blocks (leading axis first) is a stack of the blocks' own results."""
    act, loss = ACTIVATIONS[pair[0]], LOSSES[pair[1]]
    rng = np.random.default_rng(6)
    z = rng.standard_normal((4, 5, 3))
    y = np.eye(3)[rng.integers(0, 3, size=5)]
    a = act.forward(z)
    grads = act.backward(z, a, loss.grad(a, y))
    fused = output_delta(activation=act, loss=loss, z=z, a=a, y=y)
    for k in range(len(z)):
        np.testing.assert_allclose(a[k], act.forward(z[k]), rtol=1e-15, atol=0)
        np.testing.assert_allclose(grads[k], act.backward(z[k], a[k], loss.grad(a[k], y)), rtol=1e-12, atol=0)
        np.testing.assert_allclose(fused[k], output_delta(activation=act, loss=loss, z=z[k], a=a[k], y=y),
                                   rtol=1e-12, atol=0)


def test_loss_values() -> None:
    y = np.array([[0.0], [1.0]])
    p = np.array([[0.2], [0.6]])
    np.testing.assert_allclose(LOSSES["mse"].value(p, y), (0.04 + 0.16) / 2, rtol=1e-12)
    np.testing.assert_allclose(LOSSES["bce"].value(p, y), -(np.log(0.8) + np.log(0.6)) / 2, rtol=1e-12)
    onehot = np.array([[1.0, 0.0], [0.0, 1.0]])
    probs = np.array([[0.7, 0.3], [0.4, 0.6]])
    np.testing.assert_allclose(LOSSES["softmax_ce"].value(probs, onehot), -(np.log(0.7) + np.log(0.6)) / 2, rtol=1e-12)
    assert np.isfinite(LOSSES["bce"].value(np.array([[0.0], [1.0]]), np.array([[1.0], [0.0]])))


def test_relative_error() -> None:
    a = np.array([1.0, -2.0])
    assert relative_error(a, a) < 1e-300
    np.testing.assert_allclose(relative_error(a, a + np.array([0.0, 0.02])), 0.01, rtol=1e-12)
    assert relative_error(np.zeros(3), np.zeros(3)) < 1e-300


def test_mappings_are_read_only() -> None:
    with pytest.raises(TypeError):
        ACTIVATIONS["foo"] = ACTIVATIONS["relu"]  # type: ignore[index]
    with pytest.raises(TypeError):
        LOSSES["foo"] = LOSSES["mse"]  # type: ignore[index]
    with pytest.raises(TypeError):
        PRESETS["foo"] = preset  # type: ignore[index]
