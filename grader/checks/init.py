"""The ``init`` check: the constructor's parameters have the right shapes and break symmetry."""
from __future__ import annotations

import numpy as np

from grader.checks.base import Check, CheckContext
from grader.checks.compare import as_float_array, describe_type
from grader.results import CheckResult, Diagnosis
from reference import Network


def identical_units(W: np.ndarray, b: np.ndarray | None) -> list[tuple[int, int]]:
    """Pairs of units (columns) of a layer with the same incoming weights and bias."""
    incoming = W if b is None else np.vstack([W, b.reshape(1, -1)])
    pairs = []
    for i in range(incoming.shape[1]):
        for j in range(i + 1, incoming.shape[1]):
            if np.array_equal(incoming[:, i], incoming[:, j]):
                pairs.append((i, j))
    return pairs


LOSS_NAMES = {"mse": "mean squared error", "bce": "binary cross-entropy", "softmax_ce": "cross-entropy"}


def stalled_loss(network: Network, X: np.ndarray, Y: np.ndarray) -> str:
    """Where the loss of a network that cannot break symmetry stalls on XOR: every prediction the average
    target, e.g. 0.25 under the mean squared error, 0.6931 (ln 2) under cross-entropy."""
    value = network.loss_of(np.tile(Y.mean(axis=0), (len(Y), 1)), Y)
    name = LOSS_NAMES.get(network.loss, network.loss)
    return (f"on XOR the loss would stall near {value:.4g}, the {name} when every prediction is "
            f"{Y.mean():.2g}" if Y.shape[1] == 1 else
            f"on XOR the loss would stall near {value:.4g}, the {name} when every class gets the same probability")


class InitCheck(Check):
    id = "init"
    title = "Initialisation"

    def run(self, ctx: CheckContext, max_points: float) -> CheckResult:
        if ctx.binding.init_missing:
            message = f"the initialisation could not be graded: {ctx.binding.init_missing}"
            return CheckResult.failure(self.id, max_points, message, Diagnosis("missing-interface", message))
        net = ctx.network()
        params = net.params()
        shapes = ctx.reference.network.param_shapes()
        names = ctx.labels
        problems = []
        arrays = {}
        for name, expected in shapes.items():
            arr = as_float_array(params[name])
            if arr is None:
                problems.append(f"{names[name]} should be an array, got {describe_type(params[name])}")
            elif arr.shape != expected:
                problems.append(f"{names[name]} has shape {arr.shape}, expected {expected}")
            elif not np.all(np.isfinite(arr)):
                problems.append(f"{names[name]} contains NaN or infinity")
            else:
                arrays[name] = arr
        if problems:
            return CheckResult.failure(self.id, max_points, "; ".join(problems),
                                       Diagnosis("bad-init-shape", "; ".join(problems)))
        symmetric = []
        layers = len(ctx.reference.network.layers) - 1
        for layer in range(1, layers + 1):
            W = arrays[f"W{layer}"]
            if not np.any(W):
                symmetric.append(f"{names[f'W{layer}']} is all zeros")
            elif layer < layers:
                pairs = identical_units(W, arrays.get(f"b{layer}"))
                if pairs:
                    i, j = pairs[0]
                    symmetric.append(f"hidden units {i} and {j} of layer {layer} start identical "
                                     f"({len(pairs)} identical pair(s))")
        if symmetric:
            text = "; ".join(symmetric)
            stall = stalled_loss(ctx.reference.network, *ctx.reference.xor)
            message = f"the initial weights do not break symmetry: {text} ({stall})"
            return CheckResult.failure(self.id, max_points, message, Diagnosis("symmetric-init", message))
        return CheckResult.success(self.id, max_points, "parameters have the right shapes, are finite and "
                                   "break symmetry")
