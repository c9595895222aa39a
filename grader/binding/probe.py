"""Probing a candidate binding: does the student's forward pass agree with the reference through it?

The grader's own random weights (biases non-zero) and inputs, at the student's
sizes and, when the student's code takes any sizes, at sizes where no weight
matrix is square and every parameter has a shape of its own. A candidate is
accepted only if its forward output matches the reference on every probe it
could run; gradients never take part in choosing a binding.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Sequence

import numpy as np

from grader.spec.assignment import Tolerance
from grader.binding.names import OUTPUT_NAME
from grader.binding.plan import Path, Plan, PlanBinding, PlanNet, follow
from grader.errors import ProtocolError, SubmissionFailure
from grader.sandbox.remote import Ref
from grader.sandbox.worker import Worker
from reference import Network

PROBES = 3
FATAL = ("crash", "timeout", "memory", "output-limit")


@dataclass(frozen=True)
class ProbeSet:
    """Random weight sets and inputs at one set of layer sizes, with the reference's outputs."""

    network: Network
    cases: tuple[tuple[dict[str, np.ndarray], np.ndarray, np.ndarray], ...]  # (params, X, output)


def probe_set(network: Network, *, seed: int, batch: int) -> ProbeSet:
    rng = np.random.default_rng([seed, 4, *network.layers])
    cases = []
    for _ in range(PROBES):
        params = network.init(rng, scale=1.0, bias_scale=0.5)
        X = rng.normal(size=(batch, network.layers[0]))
        cases.append((params, X, network.predict(params, X)))
    return ProbeSet(network, tuple(cases))


@dataclass(frozen=True)
class Verdict:
    """What probing one candidate found."""

    agreed: bool
    ran: bool  # at least one probe ran to an output
    output: Path | None  # where the output is in the forward's result
    reason: str = ""
    fatal: SubmissionFailure | None = None
    structure: tuple[Any, ...] = ()  # the forward's result: ("array",), ("tuple", n) or ("dict", keys)


def structure_of(result: Any) -> tuple[Any, ...]:
    if isinstance(result, (tuple, list)):
        return ("tuple", len(result))
    if isinstance(result, dict):
        return ("dict", tuple(k for k in result if isinstance(k, str)))
    return ("array",)


def _close(got: Any, expected: np.ndarray, tolerance: Tolerance) -> bool:
    if not isinstance(got, np.ndarray) or got.shape != expected.shape or not np.all(np.isfinite(got)):
        return False
    return bool(np.all(np.abs(got - expected) <= tolerance.atol + tolerance.rtol * np.abs(expected)))


def output_paths(result: Any, shape: tuple[int, ...], names: Sequence[str | None] | None) -> list[Path]:
    """Where an array of ``shape`` is in a forward's result: the result itself, or an element of a tuple,
    list or dict (output-like names first)."""
    if isinstance(result, np.ndarray):
        return [()] if result.shape == shape else []
    found: list[tuple[int, Path]] = []
    if isinstance(result, (tuple, list)):
        for i, item in enumerate(result):
            if isinstance(item, np.ndarray) and item.shape == shape:
                name = names[i] if names and i < len(names) else None
                found.append((0 if name and OUTPUT_NAME.match(name) else 1, (("i", i),)))
    elif isinstance(result, dict):
        for key, item in result.items():
            if isinstance(item, np.ndarray) and item.shape == shape:
                found.append((0 if isinstance(key, str) and OUTPUT_NAME.match(key) else 1, (("i", key),)))
    return [path for _, path in sorted(found, key=lambda f: f[0])]


def raw_output(net: PlanNet, X: np.ndarray) -> Any:
    """The forward's whole result (or the one-step function's at rate 0), in the student's layout."""
    plan = net.plan
    if plan.forward is not None:
        args, kwargs = net._arguments(plan.forward, X, None, lr=0.0)
        return net.worker.call(net._target(plan.forward), *args, **kwargs)
    if plan.step is not None:
        saved = net.params()
        Y0 = net.layout.to_student(np.zeros((X.shape[1] if net.layout.column else X.shape[0],
                                             plan.network.layers[-1])))
        args, kwargs = net._arguments(plan.step, X, Y0, lr=0.0)
        try:
            return net.worker.call(net._target(plan.step), *args, **kwargs)
        finally:
            net.set_params(saved)
    raise SubmissionFailure("missing-interface", "no forward function")


def probe(plan: Plan, worker: Worker, sets: Sequence[ProbeSet], *, tolerance: Tolerance,
          names: Sequence[str | None] | None) -> Verdict:
    """Agreement of ``plan``'s forward with the reference on every probe of every set.

    The first set is at the student's sizes and must agree; the others (sizes no square matrix can
    confuse) must agree too, unless the student's code could not run at those sizes at all.
    """
    binding = PlanBinding(plan, summary="", description={})
    output: Path | None = plan.step_output if plan.forward is None else plan.output
    ran_any = False
    structure: tuple[Any, ...] = ()
    for index, pset in enumerate(sets):
        for params, X, expected in pset.cases:
            if any(s.shared for s in plan.slots):  # biases one number per layer: probes it can hold
                params = representable(plan, params)
                expected = pset.network.predict(params, X)
            try:
                net = binding.create(worker, lr=0.5, sizes=pset.network.layers)
                net.set_params(params)
                result = raw_output(net, net.layout.to_student(X))
            except SubmissionFailure as exc:
                if exc.kind in FATAL:
                    return Verdict(False, ran_any, output, f"{exc.kind}: {exc.message}", fatal=exc,
                                   structure=structure)
                if index == 0:
                    last = exc.message.strip().splitlines()[-1] if exc.message.strip() else exc.kind
                    return Verdict(False, ran_any, output, f"its forward pass raised {last[:300]}",
                                   structure=structure)
                break  # the student's code does not take these sizes: the student's own sizes decide
            except ProtocolError as exc:  # a request this candidate cannot make (e.g. an unexpected value)
                return Verdict(False, ran_any, output, f"could not be driven: {exc.message}", structure=structure)
            ran_any = True
            structure = structure or structure_of(result)
            shape = plan.layout.to_student(expected).shape
            paths = [output] if output is not None else output_paths(result, shape, names)
            match = next((p for p in paths if _close(plan.layout.from_student(_safe(result, p)), expected,
                                                      tolerance)), None)
            if match is None:
                where = f" at sizes {list(pset.network.layers)}" if index else ""
                return Verdict(False, True, output if output is not None else (paths[0] if paths else None),
                               f"the forward output differs from the reference{where}", structure=structure)
            output = match
    return Verdict(True, ran_any, output, structure=structure)


def representable(plan: Plan, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``params`` with each bias the plan holds as one number per layer replaced by its mean."""
    out = dict(params)
    for slot in plan.slots:
        if slot.shared:
            out[slot.name] = np.full_like(params[slot.name], float(np.mean(params[slot.name])))
    return out


def _safe(result: Any, path: Path | None) -> Any:
    try:
        return follow(result, path or ())
    except (KeyError, IndexError, TypeError):
        return None


@dataclass(frozen=True)
class Trial:
    """One training step through a candidate, to see what the step does (not whether it is right)."""

    changed: bool
    result: Any
    error: SubmissionFailure | None
    net: PlanNet | None
    network: Network


def trial_step(plan: Plan, worker: Worker, pset: ProbeSet, *, lr: float = 0.5) -> Trial:
    """forward + step from the first probe's weights: did the parameters change, what did the step return?"""
    binding = PlanBinding(replace(plan, update_mode="step", update=None, gradients=None), summary="",
                          description={})
    params, X, _ = pset.cases[0]
    params = representable(plan, params)
    n_out = pset.network.layers[-1]
    Y = np.eye(n_out)[np.arange(X.shape[0]) % n_out] if n_out > 1 else (np.arange(X.shape[0]) % 2.0)[:, None]
    try:
        net = binding.create(worker, lr=lr, sizes=pset.network.layers)
        net.set_params(params)
        net.step(X, Y)
        after = net.params()
        result = worker.get(Ref.handle(net.results["backward"]))
    except SubmissionFailure as exc:
        if exc.kind in FATAL:
            raise
        return Trial(False, None, exc, None, pset.network)
    changed = any(not (isinstance(after[k], np.ndarray) and after[k].shape == v.shape and np.array_equal(after[k], v))
                  for k, v in params.items())
    return Trial(changed, result, None, net, pset.network)


def same(a: Any, b: Any) -> bool:
    """Two decoded results hold the same values (arrays compared exactly)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and \
            bool(np.array_equal(a, b, equal_nan=True))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b
