"""Descent integrity: the parameters the descent run ends with must come from the student's own gradient steps.

A backward pass could recognise the XOR table and write a hand-made solution instead of stepping. Three
things stop that:

- the descent run presents XOR as its four rows each repeated, in a shuffled order (:func:`presented_xor`),
  so a lookup of the four-row table misses; the mean over the rows, hence every full-batch step and the
  loss, is unchanged (rows are only reordered when the student's steps could depend on the batch size
  otherwise than by a common factor: see :attr:`StepModel.scale_free`);
- at the first epoch and at a few random checkpoints the run takes one epoch on its own, and the change of
  the parameters must be ``lr x factor x`` the gradient at the parameters the student's code held, with
  the same factor at every checked step (:func:`check_step`). The gradient is the reference's, or the
  computation of the mistake the gradients check identified (a wrong but honest backward pass is still
  the student's own descent); a per-sample step matches the reference's row-by-row updates;
- between two reads of the parameters, the epochs in between are replayed here with the same gradients
  from where the student's code was, and must land where it is (:func:`check_replay`); only when the run
  solved XOR, the one case where the replay can change the verdict.

When no computation explains the student's gradients, only the size of a checked step is bounded: at most
``JUMP`` times the size of the parameters (a gradient step is small next to them; a jump to a hand-made
solution is not). Everything here runs in the grader's process on plain arrays.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np

from grader.checks.compare import as_float_array
from grader.diagnosis.engine import Faults, gradients
from grader.spec.assignment import Tolerance
from reference import Network

Params = dict[str, np.ndarray]
Stretch = tuple[Mapping[str, Any], Mapping[str, Any], int]  # start, end, epochs in between

REPEATS = 2          # each XOR row appears this many times in the presented data
INTERVALS = 20       # the run is cut in this many intervals; each may hold one checked step
CHECK_PROBABILITY = 0.5  # chance that an interval after the first holds a checked step
REPLAY_RTOL = 1e-4   # replayed segment against the student's: relative to how far the segment moved
PERTURBATION = 1e-9  # relative nudge of a replay's start, to measure how much the epochs amplify differences
STUDENT_ROUNDING = 1e-6  # the relative difference a student's float64 arithmetic may bring, at most
FIT_ROUNDS = 50      # fixed-point rounds for the factor of a step that is not linear in the rate
JUMP = 0.5           # unexplained gradients: a checked step may move the parameters at most this share of their size
ORDERS = 12          # row orders tried for a per-sample step that shuffles its own rows
REPLAY_ORDERS = 4    # replays in random row orders of such a step's stretches: the student's must be as close
ROUNDING = 256 * float(np.finfo(np.float64).eps)  # slack for float64 rounding of before - after, times max |param|


def presented_xor(X: np.ndarray, Y: np.ndarray, *, rng: np.random.Generator, repeats: int = REPEATS,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Each row of ``X``/``Y`` ``repeats`` times, shuffled, never in the table's own order: the same mean."""
    base = np.repeat(np.arange(len(X)), repeats)
    order = rng.permutation(base)
    while np.array_equal(order[:len(X)], np.arange(len(X))):
        order = rng.permutation(base)
    return X[order].copy(), Y[order].copy()


def checked_epochs(*, rng: np.random.Generator, epochs: int) -> frozenset[int]:
    """Epochs (counted from 0) whose step is checked: the first, and with ``CHECK_PROBABILITY`` one random
    epoch in each later interval of the run (the same whether or not the run stops when solved)."""
    width = max(1, -(-epochs // INTERVALS))
    picks = [int(rng.integers(lo, min(lo + width, epochs))) for lo in range(width, epochs, width)
             if rng.random() < CHECK_PROBABILITY]
    return frozenset([0, *picks])


@dataclass(frozen=True)
class StepModel:
    """The computation the student's step is held to: ``faults`` of the reference (``Faults()``: the
    reference itself), ``online`` for one step per row in the presented order (``any_order``: in an order
    of the student's own, e.g. rows shuffled every epoch), or none known."""

    faults: Faults | None
    online: bool = False
    any_order: bool = False

    @property
    def known(self) -> bool:
        return self.faults is not None

    @property
    def scale_free(self) -> bool:
        """Steps that repeating every row leaves unchanged, up to the common factor measured on the run's
        data: a known computation without a bias scaled by the batch size. Otherwise the rows are only
        reordered, so the run's scale stays that of the four-row table (the probes' factor sets the rate)."""
        return self.faults is not None and not self.faults.bias_batch_power

    def step(self, network: Network, params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray, *,
             rate: float, order_seed: int | None = None) -> Params:
        """``before - after`` of one step at ``rate`` (the learning rate times the student's factor); a
        per-sample step takes the rows in order, or in the random order ``order_seed`` draws."""
        p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
        with np.errstate(all="ignore"):
            after = self.epoch(network, p, X, Y, rate=rate, order_seed=order_seed)
        return {k: p[k] - after[k] for k in params}

    def epoch(self, network: Network, params: Params, X: np.ndarray, Y: np.ndarray, *, rate: float,
              order_seed: int | None = None) -> Params:
        """The float64 ``params`` after one epoch of :meth:`step`. They may be a stack of networks along
        leading axes: every member steps on its own, on the same rows in the same order."""
        faults = self.faults or Faults()
        if self.online:
            index = range(len(X)) if order_seed is None else np.random.default_rng(order_seed).permutation(len(X))
            batches = [(X[i:i + 1], Y[i:i + 1]) for i in index]
        else:
            batches = [(X, Y)]
        for x, y in batches:
            g = gradients(network, params, x, y, lr=rate, faults=faults)
            params = {k: v - rate * g[k] for k, v in params.items()}
        return params


@dataclass(frozen=True)
class StepCheck:
    """One checked step: the factor it shows (None: no single factor fits) and its relative error."""

    epoch: int
    factor: float | None
    error: float
    ok: bool
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "factor": self.factor, "error": self.error, "ok": self.ok,
                "reason": self.reason}


def _arrays(params: Mapping[str, Any], shapes: Mapping[str, tuple[int, ...]]) -> Params | None:
    out = {}
    for name, shape in shapes.items():
        arr = as_float_array(params.get(name))
        if arr is None or arr.shape != shape or not np.all(np.isfinite(arr)):
            return None
        out[name] = arr
    return out


def _flat(params: Mapping[str, np.ndarray]) -> np.ndarray:
    return np.concatenate([np.ravel(v) for v in params.values()])


def _fit(delta: np.ndarray, unit: np.ndarray) -> float:
    den = float(unit @ unit)
    return float(delta @ unit) / den if den > 0 else 0.0


def _error(delta: np.ndarray, expected: np.ndarray, slack: float) -> float:
    """max |delta - expected| beyond the rounding ``slack``, relative to the larger of the two steps."""
    scale = max(float(np.max(np.abs(expected), initial=0.0)), float(np.max(np.abs(delta), initial=0.0)), 1e-300)
    return max(float(np.max(np.abs(delta - expected), initial=0.0)) - slack, 0.0) / scale


def check_step(*, model: StepModel, network: Network, before: Mapping[str, Any], after: Mapping[str, Any],
               X: np.ndarray, Y: np.ndarray, lr: float, factor: float, epoch: int, tolerance: Tolerance,
               fixed: bool = True) -> StepCheck:
    """Whether ``before - after`` is ``lr x c x`` the model's gradient at ``before``; with ``fixed``, ``c``
    must be within ``tolerance.rtol`` of ``factor`` (the factor of the first checked step)."""
    shapes = network.param_shapes()
    b, a = _arrays(before, shapes), _arrays(after, shapes)
    if b is None or a is None:
        return StepCheck(epoch, None, float("inf"), False, "the parameters are missing, misshapen or not finite")
    delta = _flat(b) - _flat(a)
    slack = ROUNDING * max(float(np.max(np.abs(_flat(b)))), float(np.max(np.abs(_flat(a)))), 1.0)
    if not model.known:
        size, own = float(np.linalg.norm(delta)), max(float(np.linalg.norm(_flat(b))), 1.0)
        ok = size <= JUMP * own
        return StepCheck(epoch, None, size / own, ok,
                         "" if ok else f"one step moved the parameters by {size / own:.0%} of their own size, "
                                       "far more than a gradient step")
    c = factor
    for _ in range(FIT_ROUNDS if model.online or (model.faults is not None and model.faults.step_dependent) else 1):
        expected = _flat(model.step(network, b, X, Y, rate=lr * c))
        if not np.any(expected):
            break
        previous, c = c, c * _fit(delta, expected)
        if not c > 0 or abs(c - previous) <= 1e-13 * c:
            break
    expected = _flat(model.step(network, b, X, Y, rate=lr * c)) if c > 0 else expected
    error, allowed = _error(delta, expected, slack), tolerance.rtol
    if model.any_order and c > 0:  # the student's order is unknown: any of several, within their spread
        orders = [_flat(model.step(network, b, X, Y, rate=lr * c, order_seed=s)) for s in range(ORDERS)]
        scale = max(max(float(np.max(np.abs(e), initial=0.0)) for e in orders), 1e-300)
        allowed += 2 * max(float(np.max(np.abs(e - expected), initial=0.0)) for e in orders) / scale
        error = min(error, *(_error(delta, e, slack) for e in orders))
    if not (c > 0 and error <= allowed):
        return StepCheck(epoch, c if c > 0 else None, error, False,
                         "the parameters did not change by the learning rate times the gradient")
    if fixed and abs(c - factor) > allowed * factor:
        return StepCheck(epoch, c, error, False, f"the step was {c / factor:.4g} times the step of the first "
                                                 "epoch: the learning rate or the gradient's scale changed")
    return StepCheck(epoch, c, error, True)


def _replay(model: StepModel, network: Network, starts: Params, X: np.ndarray, Y: np.ndarray, *, rate: float,
            lengths: np.ndarray, seed: int | None = None) -> Params:
    """Where the model's epochs lead every member of the stack ``starts`` (leading axis K), each after its
    own number of epochs ``lengths[k]``; ``seed`` draws the rows' order of every epoch (the same for all)."""
    p, ends = starts, {k: np.empty_like(v) for k, v in starts.items()}
    orders = np.random.default_rng(seed) if seed is not None else None
    for epoch in range(1, int(lengths.max()) + 1):
        order = int(orders.integers(1 << 31)) if orders is not None else None
        p = model.epoch(network, p, X, Y, rate=rate, order_seed=order)
        done = lengths == epoch
        if done.any():
            for k, v in p.items():
                ends[k][done] = v[done]
    return ends


def _stacked(members: Sequence[Params]) -> Params:
    return {k: np.stack([m[k] for m in members]) for k in members[0]}


def _rows(stack: Params) -> np.ndarray:
    """Each member of the stack flattened as :func:`_flat` does, one row per member: a ``(K, size)`` array."""
    return np.concatenate([v.reshape(len(v), -1) for v in stack.values()], axis=1)


def _gaps(end: np.ndarray, replay: np.ndarray, *, slack: np.ndarray, moved: np.ndarray) -> np.ndarray:
    """Per row: max |end - replay| beyond the rounding ``slack``, relative to how far the replay ``moved``."""
    return np.maximum(np.max(np.abs(end - replay), axis=1) - slack, 0.0) / moved


def _nudged(stack: Params, *, size: np.ndarray) -> Params:
    """Each member of the stack moved by ``PERTURBATION`` times its own ``size``, entries alternately down
    and up."""
    return {k: v + PERTURBATION * size.reshape(-1, 1, 1) * np.where(np.arange(v[0].size).reshape(v.shape[1:]) % 2,
                                                                    1.0, -1.0)
            for k, v in stack.items()}


def check_replays(*, model: StepModel, network: Network, stretches: Sequence[Stretch], X: np.ndarray,
                  Y: np.ndarray, rate: float) -> list[tuple[float, float] | None]:
    """For each stretch ``(start, end, epochs)``: how far the student's parameters after ``epochs`` epochs
    from ``start`` are from the model's replay of those epochs, relative to how far the replay moved; and
    the gap allowed. None for a stretch where it cannot be computed.

    The replays run together, the starts stacked along a leading axis: an epoch of all of them costs about
    as much as an epoch of one, so the stretches cost as much as the longest (each ends at its own length).

    A run whose steps amplify small differences (a rate at the edge of stability) turns rounding into
    visible gaps, so the allowance grows with the replay's own sensitivity: the same epochs replayed from
    a start ``PERTURBATION`` away, whose gap is scaled up to ``STUDENT_ROUNDING`` (measured only for the
    stretches whose gap exceeds ``REPLAY_RTOL``).
    """
    shapes = network.param_shapes()
    found: list[tuple[float, float] | None] = [None] * len(stretches)
    usable: list[tuple[int, Params, Params, int]] = []
    for i, (start, end, epochs) in enumerate(stretches):
        s, e = _arrays(start, shapes), _arrays(end, shapes)
        if s is not None and e is not None and epochs > 0:
            usable.append((i, s, e, epochs))
    if not usable or not model.known:
        return found
    starts = _stacked([s for _, s, _, _ in usable])
    S, E = _rows(starts), _rows(_stacked([e for _, _, e, _ in usable]))
    lengths = np.array([epochs for *_, epochs in usable])
    with np.errstate(all="ignore"):
        R = _rows(_replay(model, network, starts, X, Y, rate=rate, lengths=lengths))
        finite = np.all(np.isfinite(R), axis=1)
        moved = np.maximum(np.max(np.abs(R - S), axis=1), 1e-300)
        slack = ROUNDING * np.maximum(np.max(np.abs(R), axis=1), 1.0) * lengths
        gap = _gaps(E, R, slack=slack, moved=moved)
        if model.any_order:  # rows in the student's own order: as far as two random orders end apart, at most
            runs = [_rows(_replay(model, network, starts, X, Y, rate=rate, lengths=lengths, seed=k))
                    for k in range(1, REPLAY_ORDERS + 1)]
            finite &= np.all([np.all(np.isfinite(r), axis=1) for r in runs], axis=0)
            gap = np.min([gap, *(_gaps(E, r, slack=slack, moved=moved) for r in runs)], axis=0)
            spread = np.max([np.max(np.abs(r - q), axis=1) for r in runs for q in runs], axis=0) / moved
            allowed = REPLAY_RTOL + 4 * spread
        else:
            allowed = np.full(len(usable), REPLAY_RTOL)
            far = np.flatnonzero(finite & (gap > REPLAY_RTOL))  # only these need their stretch's sensitivity
            if len(far):
                size = np.maximum(np.max(np.abs(S[far]), axis=1), 1.0)
                nudged = _nudged({k: v[far] for k, v in starts.items()}, size=size)
                Q = _rows(_replay(model, network, nudged, X, Y, rate=rate, lengths=lengths[far]))
                finite[far] &= np.all(np.isfinite(Q), axis=1)
                allowed[far] = REPLAY_RTOL + (np.max(np.abs(Q - R[far]), axis=1) / moved[far]
                                              * STUDENT_ROUNDING / PERTURBATION)
    for row, (i, *_) in enumerate(usable):
        if finite[row]:
            found[i] = (float(gap[row]), float(allowed[row]))
    return found


def check_replay(*, model: StepModel, network: Network, start: Mapping[str, Any], end: Mapping[str, Any],
                 X: np.ndarray, Y: np.ndarray, rate: float, epochs: int) -> tuple[float, float] | None:
    """:func:`check_replays` of the one stretch from ``start`` to ``end``."""
    return check_replays(model=model, network=network, stretches=[(start, end, epochs)], X=X, Y=Y, rate=rate)[0]


@dataclass
class Audit:
    """The integrity checks of one descent run, in order; the first failure is the verdict's.

    The first checked step fixes the model (a per-sample step is tried when the full-batch one does not
    fit) and the factor the later steps and the replays are held to.
    """

    model: StepModel
    network: Network
    X: np.ndarray
    Y: np.ndarray
    lr: float
    factor: float
    tolerance: Tolerance
    checked: frozenset[int]
    steps: list[StepCheck] = field(default_factory=list)
    stretches: list[tuple[Mapping[str, Any], Mapping[str, Any], int, int]] = field(default_factory=list)
    replayed: bool = False
    worst_replay: float = 0.0
    failure: str = ""

    def step(self, *, before: Mapping[str, Any], after: Mapping[str, Any], epoch: int) -> None:
        """Check the step of ``epoch`` (skipped once something failed, or for non-finite parameters)."""
        shapes = self.network.param_shapes()
        if self.failure or _arrays(before, shapes) is None or _arrays(after, shapes) is None:
            return
        first = not self.steps
        options = dict(network=self.network, before=before, after=after, X=self.X, Y=self.Y, lr=self.lr,
                       factor=self.factor, epoch=epoch, tolerance=self.tolerance, fixed=not first)
        online = StepModel(self.model.faults or Faults(), online=True)
        if first and not self.model.known:  # no computation explains the gradients: per-sample steps may
            alternative = check_step(model=online, **options)
            if alternative.ok:
                self.model = online
        result = check_step(model=self.model, **options)
        if first and not result.ok and not self.model.online:
            alternative = check_step(model=online, **options)
            if alternative.ok:
                self.model, result = online, alternative
        if first and not result.ok and self.model.known:  # one step per row, in an order of the student's own
            shuffled = StepModel(self.model.faults, online=True, any_order=True)
            alternative = check_step(model=shuffled, **options)
            if alternative.ok:
                self.model, result = shuffled, alternative
        if first and result.ok and result.factor is not None:
            self.factor = result.factor
        self.steps.append(result)
        if not result.ok:
            self.failure = f"at epoch {epoch + 1}, {result.reason}"

    def replay(self, *, start: Mapping[str, Any], end: Mapping[str, Any], epochs: int, epoch: int) -> None:
        """Note the ``epochs`` epochs that ended at ``epoch``, from ``start`` to ``end``, for :meth:`settle`."""
        self.stretches.append((start, end, epochs, epoch))

    def settle(self) -> None:
        """Replay the noted stretches (only a run that solved XOR needs it: a replay costs about as much as
        the reference's own training over its longest stretch) and note the first that fails."""
        stretches, self.stretches = self.stretches, []
        self.replayed = bool(stretches) and self.model.known and bool(self.steps) and self.steps[0].ok
        if self.failure or not self.replayed:
            return
        rate = self.lr * self.factor
        found = check_replays(model=self.model, network=self.network, stretches=[s[:3] for s in stretches],
                              X=self.X, Y=self.Y, rate=rate)
        for index, (start, end, epochs, epoch) in enumerate(stretches):
            if found[index] is None:
                continue
            gap, allowed = found[index]
            if gap > allowed and self.model.online and not self.model.any_order:
                shuffled = replace(self.model, any_order=True)  # one step per row, in the student's own order
                again = check_replay(model=shuffled, network=self.network, start=start, end=end, X=self.X,
                                     Y=self.Y, rate=rate, epochs=epochs)
                if again is not None and again[0] <= again[1]:  # the later stretches are held to that order
                    self.model, (gap, allowed) = shuffled, again
                    found[index + 1:] = check_replays(model=shuffled, network=self.network, X=self.X, Y=self.Y,
                                                      stretches=[s[:3] for s in stretches[index + 1:]], rate=rate)
            self.worst_replay = max(self.worst_replay, gap)
            if gap > allowed:
                self.failure = (f"between epochs {epoch - epochs} and {epoch}, the parameters did not follow "
                                f"gradient steps: they ended {gap:.3g} times as far from where those steps lead "
                                "as the steps themselves move them")
                return

    def to_dict(self) -> dict[str, Any]:
        """The evidence: the epochs checked, the worst replay gap and the per-sample mode when used."""
        out: dict[str, Any] = {"checked_epochs": [s.epoch + 1 for s in self.steps],
                               "presented_rows": int(len(self.X))}
        if self.replayed:
            out["replay_gap"] = self.worst_replay
        if self.model.online:
            out["per_sample_steps"] = True
        if self.failure:
            out["integrity"] = self.failure
        return out
