"""Result objects: what a grading run produces, as dataclasses with ``to_dict()``.

Totals are derived (``score``, ``max_score``, ``status``, ``passed``), never
stored twice. The dictionaries follow the result contract documented in
``docs/results.md``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.diagnosis.catalogue import describe


@dataclass(frozen=True)
class Diagnosis:
    """A named mistake (a tag of the catalogue) with what showed it."""

    tag: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        entry = describe(self.tag)
        return {
            "tag": self.tag,
            "message": self.message,
            "explanation": entry.explanation,
            "hint": entry.hint,
            "evidence": self.evidence,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnosis:
        return cls(tag=data["tag"], message=data["message"], evidence=data.get("evidence", {}))


@dataclass(frozen=True)
class LoadError:
    """Why a submission could not be graded at all.

    ``source`` keeps "your code failed" (``submission``) apart from "the
    grader failed" (``grader``).
    """

    kind: str
    message: str
    line: int | None = None
    cell: int | None = None
    file: str | None = None
    traceback: str | None = None
    source: str = "submission"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "line": self.line,
            "cell": self.cell,
            "file": self.file,
            "traceback": self.traceback,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoadError:
        return cls(**{k: data.get(k) for k in ("kind", "message", "line", "cell", "file", "traceback")},
                   source=data.get("source", "submission"))


@dataclass(frozen=True)
class Adjustment:
    """An instructor's change to a result: a check's points overridden, or points added to the total.

    It lives in the gradebook, apart from the graded result, so that it survives regrading; ``original``
    is the check's points as graded (for an override, once applied).
    """

    check: str | None  # None: ``points`` are added to the total (negative: taken off)
    points: float
    comment: str
    original: float | None = None
    made_at: str = ""

    @property
    def kind(self) -> str:
        return "override" if self.check else "add"

    @property
    def change(self) -> float:
        """Points this adjustment adds to the score (negative: removes)."""
        if self.check is None:
            return self.points
        return self.points - (self.original if self.original is not None else self.points)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "check": self.check, "points": self.points, "original": self.original,
                "change": self.change, "comment": self.comment, "made_at": self.made_at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Adjustment:
        return cls(check=data.get("check"), points=float(data["points"]), comment=str(data.get("comment", "")),
                   original=data.get("original"), made_at=str(data.get("made_at", "")))


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: points earned out of ``max_points``."""

    id: str
    max_points: float
    points: float
    message: str
    diagnoses: tuple[Diagnosis, ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.points >= self.max_points

    @classmethod
    def success(cls, id: str, max_points: float, message: str, **evidence: Any) -> CheckResult:
        return cls(id=id, max_points=max_points, points=max_points, message=message, evidence=evidence)

    @classmethod
    def failure(
        cls, id: str, max_points: float, message: str, *diagnoses: Diagnosis, **evidence: Any
    ) -> CheckResult:
        return cls(id=id, max_points=max_points, points=0.0, message=message,
                   diagnoses=tuple(diagnoses), evidence=evidence)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "passed": self.passed,
            "points": self.points,
            "max_points": self.max_points,
            "message": self.message,
            "diagnoses": [d.to_dict() for d in self.diagnoses],
            "evidence": self.evidence,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            id=data["id"],
            max_points=data["max_points"],
            points=data["points"],
            message=data["message"],
            diagnoses=tuple(Diagnosis.from_dict(d) for d in data.get("diagnoses", [])),
            evidence=data.get("evidence", {}),
        )


@dataclass(frozen=True)
class SubmissionResult:
    """Everything known about one graded submission."""

    student: str
    submission: str
    assignment: str
    checks: tuple[CheckResult, ...]
    error: LoadError | None = None
    binding: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    output: str = ""
    assignment_version: int = 1
    seed: int = 0
    duration: float = 0.0
    grader_version: str = ""
    graded_at: str = ""
    late: bool = False  # handed in after the due date, as the platform recorded it (never guessed by the grader)
    adjustments: tuple[Adjustment, ...] = ()
    isolation: dict[str, str] = field(default_factory=dict)  # mechanism -> what held, or "off: why"

    @property
    def unprotected(self) -> bool:
        """The code ran with none of the identity and file system protections (uid, mount, landlock)."""
        keys = ("uid", "mount", "landlock")
        return bool(self.isolation) and all(str(self.isolation.get(k, "off")).startswith("off") for k in keys)

    @property
    def status(self) -> str:
        return "error" if self.error is not None else "ok"

    @property
    def score(self) -> float:
        return float(sum(c.points for c in self.checks) + sum(a.points for a in self.adjustments if a.check is None))

    @property
    def max_score(self) -> float:
        return float(sum(c.max_points for c in self.checks))

    @property
    def diagnoses(self) -> list[str]:
        """The distinct tags found, in the order of the checks."""
        tags = [self.error.kind] if self.error else []
        tags += [d.tag for c in self.checks for d in c.diagnoses]
        return list(dict.fromkeys(tags))

    def check(self, check_id: str) -> CheckResult:
        """The check with that id (KeyError if absent)."""
        for c in self.checks:
            if c.id == check_id:
                return c
        raise KeyError(check_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "student": self.student,
            "submission": self.submission,
            "assignment": self.assignment,
            "assignment_version": self.assignment_version,
            "status": self.status,
            "error": self.error.to_dict() if self.error else None,
            "score": self.score,
            "max_score": self.max_score,
            "binding": self.binding,
            "checks": [c.to_dict() for c in self.checks],
            "diagnoses": self.diagnoses,
            "warnings": list(self.warnings),
            "output": self.output,
            "seed": self.seed,
            "duration": round(self.duration, 4),
            "grader_version": self.grader_version,
            "graded_at": self.graded_at,
            "late": self.late,
            "adjustments": [a.to_dict() for a in self.adjustments],
            "isolation": dict(self.isolation),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionResult:
        return cls(
            student=data["student"],
            submission=data["submission"],
            assignment=data["assignment"],
            checks=tuple(CheckResult.from_dict(c) for c in data["checks"]),
            error=LoadError.from_dict(data["error"]) if data.get("error") else None,
            binding=data.get("binding", {}),
            warnings=tuple(data.get("warnings", ())),
            output=data.get("output", ""),
            assignment_version=data.get("assignment_version", 1),
            seed=data.get("seed", 0),
            duration=data.get("duration", 0.0),
            grader_version=data.get("grader_version", ""),
            graded_at=data.get("graded_at", ""),
            late=bool(data.get("late", False)),
            adjustments=tuple(Adjustment.from_dict(a) for a in data.get("adjustments", ())),
            isolation=dict(data.get("isolation") or {}),
        )
