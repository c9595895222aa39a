"""Diagnosis: name the student's mistake by matching their arrays against mutants of the reference.

- :mod:`grader.diagnosis.engine`: the reference's forward/backward pass with faults (pure functions).
- :mod:`grader.diagnosis.mutants`: the catalogue of mutants per network and their order of simplicity.
- :mod:`grader.diagnosis.matching`: matching observed outputs/gradients against mutants (and pairs).
- :mod:`grader.diagnosis.diagnose`: diagnoses with evidence for the checks, with or without a match.

Matching uses the failed check's own tolerance: forward outputs element-wise (``rtol``/``atol`` of the
forward check, no free factor); gradients after one common positive factor with each array within the
gradient check's ``rtol`` (:func:`grader.checks.compare.fit_common_factor`). Diagnosis only runs once a check
has failed, so a passing submission is never given a mutant's tag; on the grader's probes every mutant
stays more than 100 tolerances away from the reference (tests/diagnosis/test_diagnosis_engine.py).

Everything here runs in the grader's process; nothing is sent to the student's worker.

- :mod:`grader.diagnosis.catalogue`: every tag's explanation and hint (plain data; the result contract
  names it, so the names below are imported on first use and ``grader.results`` can read the catalogue).
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Finding": "diagnose", "diagnose_forward": "diagnose", "diagnose_gradients": "diagnose",
    "diagnose_transposed": "diagnose", "Faults": "engine", "Match": "matching", "Observation": "matching",
    "match_forward": "matching", "match_gradients": "matching", "TAG_ORDER": "mutants",
    "Hypothesis": "mutants", "Mutant": "mutants", "applicable_tags": "mutants", "mutants_for": "mutants",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'grader.diagnosis' has no attribute {name!r}")
    return getattr(import_module(f"grader.diagnosis.{module}"), name)
