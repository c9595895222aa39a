"""From the student's arrays to diagnoses: a matching mutant, or what is known without one.

Every diagnosis of an array check carries evidence: which parameters (or
outputs) are off, their relative error, the worst entries with got vs
expected (the reference's answer, times the factor found), and that factor.
A matched mutant adds its layers and how closely it fits (``residual``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
from numpy import ndarray

from grader.spec.assignment import Tolerance
from grader.checks.compare import fit_common_factor, relative_error, worst_entries
from grader.diagnosis.matching import Match, Observation, keyed, match_forward, match_gradients
from grader.diagnosis.engine import Faults
from grader.results import Diagnosis
from reference import Network

MAX_LISTED = 10


@dataclass(frozen=True)
class Finding:
    """The diagnoses of a failed check, its one-line message and the student's gradient factor if known."""

    diagnoses: tuple[Diagnosis, ...]
    message: str
    factor: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    faults: Faults | None = None  # the matched mistake's computation (the descent check replays it)


def _param(key: str) -> str:
    return key.split("@")[0]


def _probe(key: str) -> int:
    return int(key.split("@")[1])


def _entry_text(label: str, entry: dict[str, Any]) -> str:
    index = ", ".join(str(i) for i in entry["index"])
    return f"{label}[{index}] got {entry['got']:.6g}, expected {entry['expected']:.6g}"


def gradient_evidence(*, got: Mapping[str, ndarray], expected: Mapping[str, ndarray], factor: float,
                      tolerance: Tolerance, labels: Mapping[str, str]) -> dict[str, Any]:
    """Per parameter (worst over the probes): relative error against ``factor * expected``; the worst entries."""
    scale = factor if factor > 0 else 1.0
    errors: dict[str, float] = {}
    worst_key, worst_error = None, -1.0
    for key in expected:
        error = relative_error(got[key], scale * expected[key])
        name = labels.get(_param(key), _param(key))
        errors[name] = max(errors.get(name, 0.0), error)
        if error > worst_error:
            worst_key, worst_error = key, error
    evidence: dict[str, Any] = {
        "factor": factor,
        "relative_errors": errors,
        "parameters": [name for name, e in errors.items() if e > tolerance.rtol],
    }
    if worst_key is not None and worst_error > tolerance.rtol:
        evidence.update(array=labels.get(_param(worst_key), _param(worst_key)), probe=_probe(worst_key),
                        worst=worst_entries(got[worst_key], scale * expected[worst_key]))
    return evidence


def _scaled_evidence(got: Mapping[str, ndarray], expected: Mapping[str, ndarray], match: Match,
                     reference_factor: float, tolerance: Tolerance, labels: Mapping[str, str]) -> dict[str, Any]:
    """Evidence against the reference scaled by the student's own factor (the one the mutant fits with)."""
    evidence = gradient_evidence(got=got, expected=expected, factor=match.factor, tolerance=tolerance, labels=labels)
    evidence["reference_factor"] = reference_factor
    return evidence


def _match_evidence(match: Match) -> dict[str, Any]:
    layers = sorted({k for m in match.mutants for k in m.layers})
    evidence: dict[str, Any] = {"mutant": match.hypothesis.key, "layers": layers, "residual": match.residual}
    if len(layers) == 1:
        evidence["layer"] = layers[0]
    variants = [m.variant for m in match.mutants if m.variant]
    if variants:
        evidence["variant"] = variants[0] if len(variants) == 1 else variants
    return evidence


def _example(evidence: Mapping[str, Any]) -> str:
    worst = evidence.get("worst")
    return f"e.g. {_entry_text(evidence['array'], worst[0])}" if worst else ""


def diagnose_gradients(
    *,
    network: Network,
    observations: Sequence[Observation],
    expected: Mapping[str, ndarray],
    lr: float,
    tolerance: Tolerance,
    labels: Mapping[str, str],
) -> Finding:
    """Why the student's update is not the gradient of the assignment's loss (the check already failed)."""
    got = keyed(observations)
    if not all(np.all(np.isfinite(g)) for g in got.values()):
        bad = sorted({labels.get(_param(k), _param(k)) for k, g in got.items() if not np.all(np.isfinite(g))})
        message = f"the update made {', '.join(bad)} NaN or infinite"
        return Finding((Diagnosis("gradient-mismatch", message, {"parameters": bad, "nonfinite": True}),), message)
    base = fit_common_factor(got=got, expected=expected)
    evidence = gradient_evidence(got=got, expected=expected, factor=base.factor, tolerance=tolerance, labels=labels)
    if not any(np.any(g) for g in got.values()):
        message = "backward() did not change any parameter"
        return Finding((Diagnosis("gradient-mismatch", message, evidence),), message)
    match = match_gradients(network=network, observations=observations, lr=lr, tolerance=tolerance)
    if match is not None:
        evidence = _scaled_evidence(got, expected, match, base.factor, tolerance, labels)
        return _matched(match, network, labels, evidence, check="gradients", detail=_example(evidence))
    return _unexplained_gradients(got, expected, base, tolerance, labels)


def _matched(match: Match, network: Network, labels: Mapping[str, str], evidence: dict[str, Any], *,
             check: str, detail: str, prefix: str = "") -> Finding:
    """Diagnoses for a matched hypothesis: one per mutant, sharing the evidence."""
    shared = {**evidence, **_match_evidence(match)}
    diagnoses = []
    for mutant in match.mutants:
        text = prefix + mutant.describe(network, labels, check=check, factor=match.factor)
        own = dict(shared)
        if mutant.layers:
            own["layers"] = list(mutant.layers)
            own.pop("layer", None)
            if len(mutant.layers) == 1:
                own["layer"] = mutant.layers[0]
        diagnoses.append(Diagnosis(mutant.tag, text, own))
    message = "; ".join(d.message for d in diagnoses) + (f" ({detail})" if detail else "")
    factor = match.factor if check == "gradients" else None
    faults = match.hypothesis.faults if check == "gradients" else None
    return Finding(tuple(diagnoses), message, factor, shared, faults)


def consensus_factor(*, got: Mapping[str, ndarray], expected: Mapping[str, ndarray], tolerance: Tolerance,
                     fallback: float) -> tuple[float, list[str]]:
    """The positive factor under which the most parameters are right, and those parameters.

    Candidates are each array's own best factor; a parameter counts when it is
    within ``rtol`` on every probe. With none right, ``fallback`` (the least
    squares factor) and no parameters.
    """
    names = list(dict.fromkeys(_param(k) for k in expected))
    best: tuple[float, list[str]] = (fallback, [])
    for key in expected:
        den = float(np.sum(expected[key] * expected[key]))
        c = float(np.sum(got[key] * expected[key])) / den if den > 0 else 0.0
        if not c > 0:
            continue
        right = [n for n in names if all(relative_error(got[k], c * expected[k]) <= tolerance.rtol
                                         for k in expected if _param(k) == n)]
        if len(right) > len(best[1]):
            best = (c, right)
    return best


def _unexplained_gradients(got: Mapping[str, ndarray], expected: Mapping[str, ndarray], base: Any,
                           tolerance: Tolerance, labels: Mapping[str, str]) -> Finding:
    """No mutant matches: say what is known (frozen biases, per-parameter factors, the wrong parameters)."""
    def label(name: str) -> str:
        return labels.get(name, name)

    factor, right = consensus_factor(got=got, expected=expected, tolerance=tolerance, fallback=base.factor)
    evidence = gradient_evidence(got=got, expected=expected, factor=factor, tolerance=tolerance, labels=labels)
    evidence.update(least_squares_factor=base.factor, right=[label(n) for n in right],
                    factors={label(_param(k)): v for k, v in base.per_name.items() if k.endswith("@0")})
    frozen = sorted({_param(k) for k, g in got.items() if not np.any(g) and np.any(expected[k])})
    frozen_biases = [label(n) for n in frozen if n.startswith("b")]
    diagnoses = []
    if frozen_biases:
        diagnoses.append(Diagnosis("missing-bias-gradient", f"{', '.join(frozen_biases)} did not change in a "
                                   "training step", {**evidence, "parameters": frozen_biases}))
    alone: dict[str, float] = {}
    for key, error in base.alone.items():
        alone[_param(key)] = max(alone.get(_param(key), 0.0), error)
    if not diagnoses and all(e <= tolerance.rtol for e in alone.values()):
        if all(v < 0 for v in base.per_name.values()):
            message = (f"every parameter moved up the gradient (factor {base.factor:.3g}): "
                       "the update increases the loss")
            return Finding((Diagnosis("gradient-sign", message, evidence),), message)
        listing = ", ".join(f"{k}: {v:.4g}" for k, v in evidence["factors"].items())
        message = f"each parameter's gradient is right up to a factor, but the factors differ ({listing})"
        return Finding((Diagnosis("gradient-scale-inconsistent", message, evidence),), message)
    wrong = [n for n in evidence["parameters"] if n not in frozen_biases]
    if wrong or not diagnoses:
        errors = evidence["relative_errors"]
        listed = ", ".join(f"{n} (relative error {errors[n]:.2g})" for n in (wrong or evidence["parameters"]))
        text = f"wrong gradients for {listed}"
        if right:
            text += f"; {', '.join(label(n) for n in right)} {'is' if len(right) == 1 else 'are'} right " \
                    f"up to the factor {factor:.4g}"
        else:
            text += f"; best common factor {factor:.4g}"
        example = _example(evidence)
        diagnoses.append(Diagnosis("gradient-mismatch", text + (f"; {example}" if example else ""), evidence))
    message = "; ".join(d.message for d in diagnoses)
    return Finding(tuple(diagnoses), message, None, evidence)


def diagnose_transposed(
    *,
    network: Network,
    observations: Sequence[Observation],
    expected: Mapping[str, ndarray],
    lr: float,
    tolerance: Tolerance,
    labels: Mapping[str, str],
    failure: str,
) -> Finding | None:
    """A transposed weight gradient seen on square probes, after the assignment's sizes raised ``failure``."""
    match = match_gradients(network=network, observations=observations, lr=lr, tolerance=tolerance,
                            require="transposed-gradient")
    if match is None:
        return None
    got = keyed(observations)
    base = fit_common_factor(got=got, expected=expected)
    evidence = _scaled_evidence(got, expected, match, base.factor, tolerance, labels)
    evidence.update(sizes=list(network.layers), failure=failure)
    sizes = ", ".join(str(n) for n in network.layers)
    prefix = f"with the assignment's layer sizes backward() failed ({failure}); with sizes [{sizes}] "
    return _matched(match, network, labels, evidence, check="gradients", detail=_example(evidence), prefix=prefix)


def output_evidence(*, observations: Sequence[Observation], expected: Sequence[ndarray],
                    tolerance: Tolerance) -> dict[str, Any]:
    """Which outputs are off on the worst probe, by how much, the worst entries, and the best scale factor."""
    worst_probe, worst_error = 0, -1.0
    for i, (obs, exp) in enumerate(zip(observations, expected)):
        error = relative_error(np.asarray(obs.got["output"], dtype=np.float64), exp)
        if error > worst_error:
            worst_probe, worst_error = i, error
    got = np.asarray(observations[worst_probe].got["output"], dtype=np.float64)
    exp = expected[worst_probe]
    off = np.abs(got - exp) > tolerance.atol + tolerance.rtol * np.abs(exp)
    den = float(np.sum(exp * exp))
    return {
        "probe": worst_probe,
        "relative_error": worst_error,
        "mismatched": int(np.count_nonzero(off)),
        "size": int(off.size),
        "outputs": [list(map(int, ix)) for ix in np.argwhere(off)[:MAX_LISTED]],
        "factor": float(np.sum(got * exp)) / den if den > 0 else 0.0,
        "array": "forward(X)",
        "worst": worst_entries(got, exp),
    }


def diagnose_forward(
    *,
    network: Network,
    observations: Sequence[Observation],
    expected: Sequence[ndarray],
    tolerance: Tolerance,
    labels: Mapping[str, str],
    summary: str,
) -> Finding:
    """Why forward(X) differs from the reference: a forward mutant, or the evidence alone."""
    evidence = output_evidence(observations=observations, expected=expected, tolerance=tolerance)
    match = match_forward(network=network, observations=observations, tolerance=tolerance)
    if match is not None:
        return _matched(match, network, labels, evidence, check="forward", detail=summary)
    return Finding((Diagnosis("forward-mismatch", summary, evidence),), summary, None, evidence)
