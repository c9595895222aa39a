"""Diagnosis: name the student's mistake by matching their arrays against mutants of the reference.

- :mod:`grader.diagnosis.engine`: the reference's forward/backward pass with faults (pure functions).
- :mod:`grader.diagnosis.mutants`: the catalogue of mutants per network and their order of simplicity.
- :mod:`grader.diagnosis.matching`: matching observed outputs/gradients against mutants (and pairs).
- :mod:`grader.diagnosis.diagnose`: diagnoses with evidence for the checks, with or without a match.

Matching uses the failed check's own tolerance: forward outputs element-wise (``rtol``/``atol`` of the
forward check, no free factor); gradients after one common positive factor with each array within the
gradient check's ``rtol`` (:func:`grader.compare.fit_common_factor`). Diagnosis only runs once a check
has failed, so a passing submission is never given a mutant's tag; on the grader's probes every mutant
stays more than 100 tolerances away from the reference (tests/test_diagnosis_engine.py).

Everything here runs in the grader's process; nothing is sent to the student's worker.
"""
from __future__ import annotations

from grader.diagnosis.diagnose import Finding, diagnose_forward, diagnose_gradients, diagnose_transposed
from grader.diagnosis.engine import Faults
from grader.diagnosis.matching import Match, Observation, match_forward, match_gradients
from grader.diagnosis.mutants import TAG_ORDER, Hypothesis, Mutant, applicable_tags, mutants_for

__all__ = [
    "Faults",
    "Finding",
    "Hypothesis",
    "Match",
    "Mutant",
    "Observation",
    "TAG_ORDER",
    "applicable_tags",
    "diagnose_forward",
    "diagnose_gradients",
    "diagnose_transposed",
    "match_forward",
    "match_gradients",
    "mutants_for",
]
