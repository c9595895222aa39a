"""The checks, in the order they run, keyed by id."""
from __future__ import annotations

from types import MappingProxyType

from grader.checks.base import Check, CheckContext, Reference
from grader.checks.descent import DescentCheck
from grader.checks.forward import ForwardCheck, LossCheck
from grader.checks.gradients import GradientsCheck, UpdateCheck
from grader.checks.init import InitCheck

CHECKS: MappingProxyType[str, Check] = MappingProxyType(
    {check.id: check for check in (InitCheck(), ForwardCheck(), LossCheck(), GradientsCheck(), UpdateCheck(),
                                   DescentCheck())}
)

__all__ = ["CHECKS", "Check", "CheckContext", "Reference"]
