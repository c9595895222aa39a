"""Assignment specs: what the student implements and how it is graded.

A spec is a declarative file (TOML or YAML, see :mod:`grader.spec.formats`)
that an instructor can copy and edit. ``docs/assignments.md`` documents every
field; the built-in specs live in ``assignments/<name>/spec.toml``.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from grader.errors import SpecError, UnknownAssignmentError
from grader.spec import BINDING_MODES, FEEDBACK_LEVELS, VISIBILITIES  # noqa: F401 (names of this module too)
from grader.spec.formats import read_spec
from reference import Network

CHECK_IDS = ("init", "forward", "loss", "gradients", "update", "descent")
STYLES = ("auto", "class", "functions", "dict", "lists", "globals", "script")
LAYOUTS = ("row", "column", "row-out-in", "column-in-out")
INTERFACE_FIELDS = ("style", "class", "constructor", "learning_rate", "parameters", "layout", "forward", "loss",
                    "backward", "update", "init", "binding")
# auto: the pinned template when the submission has it, else detection; spec: the pinned interface only;
# detect: detection for every submission (the spec's names tried first).
# What the canonical class binding needs pinned for nothing to be left to detect (the built-in specs pin them).
TEMPLATE_FIELDS = frozenset({"style", "class", "parameters", "layout", "forward", "backward"})
SPEC_NAMES = ("spec.toml", "spec.yaml", "spec.yml")


@dataclass(frozen=True)
class Tolerance:
    """Element-wise closeness: ``|got - expected| <= atol + rtol * |expected|``."""

    rtol: float
    atol: float


DEFAULT_TOLERANCES = MappingProxyType({
    "forward": Tolerance(rtol=1e-6, atol=1e-9),
    "loss": Tolerance(rtol=1e-6, atol=1e-9),
    "gradients": Tolerance(rtol=1e-6, atol=1e-9),
    "update": Tolerance(rtol=1e-2, atol=0.0),
})


@dataclass(frozen=True)
class Interface:
    """How the grader binds to the student's code.

    Every field the spec gives is *pinned* (listed in ``pinned``); the others
    keep these defaults, which are also the names detection tries first. With
    ``style = "class"`` and the class, parameters, layout, forward and backward
    pinned (the built-in specs), the canonical class binding is used as is.
    """

    style: str = "auto"
    class_name: str = "SimpleNN"
    constructor: str = "sizes"  # "sizes": one argument per layer size; "list": one list of sizes
    learning_rate: str = "lr"
    parameters: tuple[str, ...] = ()
    layout: str = "row"
    forward: str = "forward"
    loss: str | None = "loss"
    backward: str = "backward"
    update: str | None = None  # the update function or method; "" pinned: none (the grader applies the step)
    init: str | None = None  # the initialiser function (function styles)
    binding: str = "auto"  # one of BINDING_MODES
    pinned: frozenset[str] = frozenset()

    @property
    def template(self) -> bool:
        """The canonical class binding is fully pinned: nothing is left to detect."""
        return self.style == "class" and TEMPLATE_FIELDS <= self.pinned and self.layout in ("row", "column")

    def pins(self, name: str) -> bool:
        return name in self.pinned


@dataclass(frozen=True)
class Training:
    """The XOR training run of the descent check, from a fixed init.

    ``epochs`` is the budget: with ``stop_when_solved`` the run stops at the first checkpoint (every
    ``checkpoint`` epochs) where XOR is solved.
    """

    epochs: int
    lr: float
    seed: int
    scale: float | None = None
    bias_scale: float = 0.0
    max_loss_ratio: float = 0.1
    stop_when_solved: bool = True

    @property
    def checkpoint(self) -> int:
        """Epochs between two looks at the parameters: a twentieth of the budget (all of it without early stop)."""
        return max(1, math.ceil(self.epochs / 20)) if self.stop_when_solved else self.epochs


@dataclass(frozen=True)
class Probe:
    """The grader's own random inputs: rows per batch, and how many batches."""

    batch: int = 5
    count: int = 2
    lr: float = 0.5


@dataclass(frozen=True)
class Policy:
    """What students are shown and how the total is reported (the spec's ``[grading]`` table).

    ``feedback``: ``full`` (diagnosis, hint and the values compared), ``hint`` (diagnosis and hint, no
    expected values: graded work where the numbers would give the answer away) or ``score`` (pass/fail
    only). ``visibility``: check id -> when Gradescope shows that check. ``points_possible``: the total
    the platform's gradebook expects; scores are rescaled to it. ``late_penalty``: the fraction of the
    score a late submission loses.
    """

    feedback: str = "full"
    visibility: Mapping[str, str] = field(default_factory=dict)
    points_possible: float | None = None
    late_penalty: float = 0.0

    def total(self, max_score: float) -> float:
        """The total students are graded out of."""
        return self.points_possible if self.points_possible is not None else max_score

    def scale(self, points: float, max_score: float) -> float:
        """``points`` out of ``max_score`` expressed out of :meth:`total`."""
        if self.points_possible is None or max_score <= 0:
            return points
        return points * self.points_possible / max_score

    def final(self, score: float, max_score: float, *, late: bool = False) -> float:
        """The grade to record: rescaled, less the late penalty when ``late``."""
        scaled = self.scale(score, max_score)
        return scaled * (1.0 - self.late_penalty) if late else scaled

    def to_dict(self) -> dict[str, Any]:
        return {"feedback": self.feedback, "visibility": dict(self.visibility),
                "points_possible": self.points_possible, "late_penalty": self.late_penalty}


@dataclass(frozen=True)
class Assignment:
    """A loaded, validated assignment spec."""

    name: str
    title: str
    version: int
    network: Network
    interface: Interface
    points: Mapping[str, float]
    training: Training
    tolerances: Mapping[str, Tolerance] = field(default_factory=lambda: DEFAULT_TOLERANCES)
    probe: Probe = Probe()
    description: str = ""
    source: Path | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)
    policy: Policy = Policy()

    @property
    def one_hot(self) -> bool:
        """Targets are one-hot rows (softmax cross-entropy)."""
        return self.network.loss == "softmax_ce"

    @property
    def folder(self) -> Path | None:
        return self.source.parent if self.source else None

    @property
    def max_score(self) -> float:
        return float(sum(self.points.values()))

    def unpinned(self) -> Assignment:
        """The same assignment with nothing pinned: the binding is detected for each submission
        (the spec's names are still tried first)."""
        return replace(self, interface=replace(self.interface, style="auto", binding="detect", pinned=frozenset()))

    def with_binding(self, mode: str) -> Assignment:
        """The assignment bound in ``mode`` (BINDING_MODES); ``auto`` keeps what the spec says."""
        if mode == "detect":
            return self.unpinned()
        if mode == "spec":
            return replace(self, interface=replace(self.interface, binding="spec"))
        return self


def builtin_folder() -> Path:
    """Where the built-in assignments live."""
    here = Path(__file__).resolve().parents[1]  # the grader package
    for candidate in (here.parent / "assignments", here / "assignments"):
        if candidate.is_dir():
            return candidate
    return here.parent / "assignments"


def builtin_names() -> list[str]:
    """Names of the built-in assignments."""
    root = builtin_folder()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if any((p / n).is_file() for n in SPEC_NAMES))


def load_assignment(name_or_path: str | Path) -> Assignment:
    """A built-in assignment by name, or a spec file by path."""
    path = Path(name_or_path)
    if path.is_file():
        return parse_assignment(read_spec(path), source=path)
    if path.is_dir():
        specs = [path / n for n in SPEC_NAMES if (path / n).is_file()]
        if specs:
            return parse_assignment(read_spec(specs[0]), source=specs[0])
    folder = builtin_folder() / str(name_or_path)
    for spec in SPEC_NAMES:
        if (folder / spec).is_file():
            return parse_assignment(read_spec(folder / spec), source=folder / spec)
    known = ", ".join(builtin_names()) or "none found"
    raise UnknownAssignmentError(f"unknown assignment {str(name_or_path)!r} (built in: {known}; "
                                 "or give the path of a spec file)")


def _section(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise SpecError(f"{where}: [{key}] must be a table")
    return value


def _reject_unknown(section: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(section) - allowed
    if unknown:
        raise SpecError(f"{where}: unknown field(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(allowed))})")


def _flag(section: Mapping[str, Any], key: str, *, default: bool, where: str) -> bool:
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise SpecError(f"{where}: {key} must be true or false (got {value!r})")
    return value


def parse_assignment(data: Mapping[str, Any], *, source: Path | None = None) -> Assignment:
    """Validate spec data and build an :class:`Assignment` (SpecError on any problem)."""
    where = str(source or "spec")
    meta = _section(data, "assignment", where)
    net = _section(data, "network", where)
    iface = _section(data, "interface", where)
    train = _section(data, "training", where)
    probe = _section(data, "probe", where)
    points = _section(data, "points", where)
    tolerances = _section(data, "tolerances", where)
    grading = _section(data, "grading", where)
    _reject_unknown(data, {"assignment", "network", "interface", "training", "probe", "points", "tolerances",
                           "grading"}, where)
    _reject_unknown(grading, {"feedback", "visibility", "points_possible", "late_penalty"}, f"{where} [grading]")
    _reject_unknown(meta, {"name", "title", "version", "description"}, f"{where} [assignment]")
    _reject_unknown(net, {"layers", "hidden", "output", "loss", "bias"}, f"{where} [network]")
    _reject_unknown(iface, set(INTERFACE_FIELDS), f"{where} [interface]")
    _reject_unknown(train, {"epochs", "lr", "seed", "scale", "bias_scale", "max_loss_ratio", "stop_when_solved"},
                    f"{where} [training]")
    _reject_unknown(probe, {"batch", "count", "lr"}, f"{where} [probe]")
    _reject_unknown(points, set(CHECK_IDS), f"{where} [points]")
    _reject_unknown(tolerances, set(DEFAULT_TOLERANCES), f"{where} [tolerances]")
    try:
        network = Network(layers=tuple(int(n) for n in net["layers"]), hidden=net.get("hidden", "sigmoid"),
                          output=net.get("output", "sigmoid"), loss=net.get("loss", "mse"),
                          bias=bool(net.get("bias", True)))
        interface = Interface(
            style=str(iface.get("style", "auto")),
            class_name=iface.get("class", "SimpleNN"),
            constructor=iface.get("constructor", "sizes"),
            learning_rate=iface.get("learning_rate", "lr"),
            parameters=tuple(iface.get("parameters", network.param_names())),
            layout=iface.get("layout", "row"),
            forward=iface.get("forward", "forward"),
            loss=iface.get("loss", "loss") or None,
            backward=iface.get("backward", "backward"),
            update=iface.get("update"),
            init=iface.get("init"),
            binding=str(iface.get("binding", "auto")),
            pinned=frozenset(iface) - {"binding"},
        )
        training = Training(epochs=int(train["epochs"]), lr=float(train["lr"]), seed=int(train["seed"]),
                            scale=None if train.get("scale") is None else float(train["scale"]),
                            bias_scale=float(train.get("bias_scale", 0.0)),
                            max_loss_ratio=float(train.get("max_loss_ratio", 0.1)),
                            stop_when_solved=_flag(train, "stop_when_solved", default=True,
                                                   where=f"{where} [training]"))
        tol = dict(DEFAULT_TOLERANCES)
        for key, value in tolerances.items():
            if not isinstance(value, dict):
                raise SpecError(f"{where}: [tolerances] {key} must be a table like {{ rtol = 1e-6, atol = 1e-9 }}")
            _reject_unknown(value, {"rtol", "atol"}, f"{where} [tolerances] {key}")
            tol[key] = Tolerance(rtol=float(value.get("rtol", tol[key].rtol)),
                                 atol=float(value.get("atol", tol[key].atol)))
        assignment = Assignment(
            name=str(meta["name"]),
            title=str(meta.get("title", meta["name"])),
            version=int(meta.get("version", 1)),
            description=str(meta.get("description", "")).strip(),
            network=network,
            interface=interface,
            points=MappingProxyType({k: float(points.get(k, 0)) for k in CHECK_IDS if points.get(k, 0)}),
            training=training,
            tolerances=MappingProxyType(tol),
            probe=Probe(batch=int(probe.get("batch", 5)), count=int(probe.get("count", 2)),
                        lr=float(probe.get("lr", 0.5))),
            source=source,
            policy=_policy(grading, where),
        )
    except KeyError as exc:
        raise SpecError(f"{where}: missing required field {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise SpecError(f"{where}: {exc}") from None
    _validate(assignment, where)
    return assignment


def _policy(grading: Mapping[str, Any], where: str) -> Policy:
    """The ``[grading]`` table (feedback level, per-check visibility, points_possible, late_penalty)."""
    feedback = grading.get("feedback", "full")
    if feedback not in FEEDBACK_LEVELS:
        raise SpecError(f"{where}: [grading] feedback must be one of {', '.join(FEEDBACK_LEVELS)} (got {feedback!r})")
    visibility = grading.get("visibility", {})
    if not isinstance(visibility, dict):
        raise SpecError(f"{where}: [grading] visibility must be a table like {{ descent = \"after_published\" }}")
    for check, level in visibility.items():
        if check not in CHECK_IDS or level not in VISIBILITIES:
            raise SpecError(f"{where}: [grading] visibility {check} = {level!r}: checks are {', '.join(CHECK_IDS)}; "
                            f"visibilities {', '.join(VISIBILITIES)}")
    possible = grading.get("points_possible")
    penalty = grading.get("late_penalty", 0.0)
    if possible is not None and (isinstance(possible, bool) or not isinstance(possible, (int, float))
                                 or not possible > 0):
        raise SpecError(f"{where}: [grading] points_possible must be a positive number (got {possible!r})")
    if isinstance(penalty, bool) or not isinstance(penalty, (int, float)) or not 0.0 <= penalty <= 1.0:
        raise SpecError(f"{where}: [grading] late_penalty is the fraction of the score a late submission loses, "
                        f"from 0 to 1 (got {penalty!r})")
    return Policy(feedback=feedback, visibility=MappingProxyType(dict(visibility)),
                  points_possible=None if possible is None else float(possible), late_penalty=float(penalty))


_PARAMETER_PATH = re.compile(r"^(self\.)?[A-Za-z_]\w*(\.[A-Za-z_]\w*|\[[^\]]+\])*$")


def _pinned_value(interface: Interface, name: str) -> Any:
    return getattr(interface, {"class": "class_name"}.get(name, name))


def _validate(a: Assignment, where: str) -> None:
    if a.interface.style not in STYLES:
        raise SpecError(f"{where}: interface style {a.interface.style!r} is not supported "
                        f"(use one of {', '.join(STYLES)})")
    for name in ("class", "forward", "backward", "learning_rate", "init", "update", "loss"):
        value = _pinned_value(a.interface, name)
        if a.interface.pins(name) and value is not None and not isinstance(value, str):
            raise SpecError(f"{where}: interface {name} must be a string")
    bad = [p for p in a.interface.parameters if not isinstance(p, str) or not _PARAMETER_PATH.match(p)]
    if bad:
        raise SpecError(f"{where}: interface parameters must be names or paths like W1, W[0], params['W1'] "
                        f"(got {', '.join(map(repr, bad))})")
    if a.interface.binding not in BINDING_MODES:
        raise SpecError(f"{where}: interface binding must be one of {', '.join(BINDING_MODES)}")
    if a.interface.constructor not in ("sizes", "list"):
        raise SpecError(f"{where}: interface constructor must be 'sizes' or 'list'")
    if a.interface.layout not in LAYOUTS:
        raise SpecError(f"{where}: interface layout must be 'row' or 'column' (or 'row-out-in', 'column-in-out' "
                        "for weights stored the other way round: X @ W.T, W.T @ X)")
    if len(a.interface.parameters) != len(a.network.param_names()):
        raise SpecError(f"{where}: interface lists {len(a.interface.parameters)} parameters, the network has "
                        f"{len(a.network.param_names())} ({', '.join(a.network.param_names())})")
    if not a.points:
        raise SpecError(f"{where}: [points] gives no check any points")
    if "loss" in a.points and not a.interface.loss:
        raise SpecError(f"{where}: the loss check has points but the interface has no loss method")
    if a.training.epochs < 1 or a.training.lr <= 0:
        raise SpecError(f"{where}: [training] epochs and lr must be positive")
    if any(p < 0 for p in a.points.values()):
        raise SpecError(f"{where}: [points] must not be negative")
    if a.probe.batch < 2 or a.probe.count < 1:
        raise SpecError(f"{where}: probe batch must be >= 2 and count >= 1")
