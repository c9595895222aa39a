"""Top-level training loops read with ``ast`` (in the grader's process, never run here).

A script with no functions trains its network in a loop at module level
(``for epoch in range(10000):`` doing forward, backward and update inline).
:func:`find_loops` lists such loops with what their body reads before it writes
(the state one iteration hands to the next: the parameters, and the data and rate it
only reads), and the module-level statements before them that set the parameters
(the initialiser). :func:`step_source` turns a loop body into a function the worker
runs as one training step on the grader's inputs; :func:`loss_source` turns the
statements computing the loss into a function of the targets and the output.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

STEP = "__grader_loop_step__"
INIT = "__grader_loop_init__"
LOSS = "__grader_loop_loss__"
QUIET = "__grader_quiet__"
X_ARG, Y_ARG, LR_ARG, P_ARG = "__grader_x", "__grader_y", "__grader_lr", "__grader_p"
LOSS_NAME = re.compile(r"^(?:loss|cost|mse|j|l|total_?loss|epoch_?loss|loss_?value|bce|ce|cross_?entropy|"
                       r"mean_?squared_?error|(?:train_?)?(?:loss|cost)_?\w*)$", re.IGNORECASE)
ERROR_NAME = re.compile(r"^(?:error|err|total_?error|mean_?error)$", re.IGNORECASE)  # often an array: tried last
# Names a loop body may store that must not be declared global in the step function.
_RESERVED = {"print", X_ARG, Y_ARG, LR_ARG}


@dataclass(frozen=True)
class Loop:
    """One module-level loop: where it is, its body, and the names it reads first, stores and mutates."""

    where: str  # "the loop at line 12 of lab.py", "the loop in cell 5"
    body: tuple[ast.stmt, ...]
    targets: tuple[str, ...]  # the loop variable(s) of a for loop
    read_first: tuple[str, ...]  # read before any write in one iteration, in order
    stored: frozenset[str]
    mutated: frozenset[str]  # updated in place (``W1 -= ...``, ``W[0] -= ...``, ``params['W1'] -= ...``)
    before: tuple[ast.stmt, ...]  # the module-level statements run before it (all units up to it)

    @property
    def carried(self) -> tuple[str, ...]:
        """Names one iteration hands to the next: read first, then written."""
        changed = self.stored | self.mutated
        return tuple(n for n in self.read_first if n in changed and n not in self.targets)

    @property
    def inputs(self) -> tuple[str, ...]:
        """Names the body only reads (data, rate, functions, modules)."""
        changed = self.stored | self.mutated
        return tuple(n for n in self.read_first if n not in changed and n not in self.targets)


class _Flow:
    """Reads and writes of a block, in execution order (branches taken one after the other)."""

    def __init__(self) -> None:
        self.read_first: list[str] = []
        self.stored: set[str] = set()
        self.mutated: set[str] = set()

    def read(self, node: ast.AST | None) -> None:
        if node is None:
            return
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id not in self.stored \
                    and sub.id not in self.read_first:
                self.read_first.append(sub.id)

    def store(self, target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.stored.add(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.store(element)
        elif isinstance(target, ast.Starred):
            self.store(target.value)
        elif isinstance(target, (ast.Subscript, ast.Attribute)):
            if isinstance(target, ast.Subscript):
                self.read(target.slice)  # writing W[i] = ... reads i, not the old value of W
            base = target
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if isinstance(base, ast.Name):
                self.mutated.add(base.id)

    def block(self, statements: Iterable[ast.stmt]) -> None:
        for statement in statements:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            self.read(node.value)
            for target in node.targets:
                self.store(target)
        elif isinstance(node, ast.AugAssign):
            self.read(node.value)
            if isinstance(node.target, ast.Name):
                self.read(ast.Name(node.target.id, ast.Load()))
                self.mutated.add(node.target.id)
            else:
                self.read(node.target)  # W[0] -= ... reads W
            self.store(node.target)
        elif isinstance(node, ast.AnnAssign):
            self.read(node.value)
            self.store(node.target)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.read(node.iter)
            self.store(node.target)
            self.block(node.body)
            self.block(node.orelse)
        elif isinstance(node, ast.While):
            self.read(node.test)
            self.block(node.body)
            self.block(node.orelse)
        elif isinstance(node, ast.If):
            self.read(node.test)
            self.block(node.body)
            self.block(node.orelse)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self.read(item.context_expr)
                if item.optional_vars is not None:
                    self.store(item.optional_vars)
            self.block(node.body)
        elif isinstance(node, ast.Try):
            self.block(node.body)
            for handler in node.handlers:
                self.block(handler.body)
            self.block(node.orelse)
            self.block(node.finalbody)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.stored.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                self.stored.add((alias.asname or alias.name).split(".")[0])
        else:
            self.read(node)


def _names_of(target: ast.expr) -> tuple[str, ...]:
    if isinstance(target, ast.Name):
        return (target.id,)
    if isinstance(target, (ast.Tuple, ast.List)):
        return tuple(n for e in target.elts for n in _names_of(e))
    return ()


def _top_level(statements: Sequence[ast.stmt]) -> Iterable[ast.stmt]:
    """Module-level statements, looking into ``if __name__ == "__main__":`` blocks, ``with`` and ``try``."""
    for node in statements:
        if isinstance(node, ast.If):
            yield from _top_level(node.body)
            yield from _top_level(node.orelse)
        elif isinstance(node, (ast.With, ast.Try)):
            yield from _top_level(node.body)
        else:
            yield node


def find_loops(units: Sequence[tuple[str, int | None]], *, filename: str = "") -> list[Loop]:
    """The module-level loops of a submission's units (source text, cell number or None), in order."""
    loops: list[Loop] = []
    before: list[ast.stmt] = []
    for text, cell in units:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in _top_level(tree.body):
            if isinstance(node, (ast.For, ast.While)) and node.body:
                flow = _Flow()
                flow.block(node.body)
                targets = _names_of(node.target) if isinstance(node, ast.For) else ()
                where = f"cell {cell}" if cell is not None else f"line {node.lineno}" + (
                    f" of {filename}" if filename else "")
                loops.append(Loop(f"the loop {'in' if cell is not None else 'at'} {where}", tuple(node.body),
                                  targets, tuple(flow.read_first), frozenset(flow.stored),
                                  frozenset(flow.mutated), tuple(before)))
            before.append(node)
    return loops


def _indented(statements: Iterable[ast.stmt], depth: int) -> list[str]:
    pad = "    " * depth
    return [pad + line for statement in statements for line in ast.unparse(statement).splitlines()]


def _global_names(names: Iterable[str]) -> list[str]:
    return sorted({n for n in names if n.isidentifier() and n not in _RESERVED})


_CHEAP_CALLS = {"len", "int", "float"}


def derived(loop: Loop, *, data: Sequence[str], parameters: Sequence[str]) -> tuple[ast.stmt, ...]:
    """Module-level statements before the loop that compute plain numbers from the data (``m = X.shape[1]``,
    ``n = len(X)``): re-run on the grader's data, so a size the body divides by is the grader's."""
    keep = []
    for node in loop.before:
        if not isinstance(node, ast.Assign):
            continue
        reads = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
        calls = [n for n in ast.walk(node.value) if isinstance(n, ast.Call)]
        stores = {n for t in node.targets for n in _names_of(t)}
        if reads & set(data) and stores and not stores & {*data, *parameters} and \
                all(isinstance(c.func, ast.Name) and c.func.id in _CHEAP_CALLS for c in calls) and \
                len(stores) == sum(len(_names_of(t)) for t in node.targets):
            keep.append(node)
    return tuple(keep)


def step_source(loop: Loop, *, x_name: str | None, y_name: str | None, lr_name: str | None, y_flat: bool,
                returned: Sequence[str], setup: Sequence[ast.stmt] = ()) -> str:
    """A function running the body once as one training step, as the loop would: every name it writes is
    the module's, the data and the rate are the grader's, ``print`` is silenced, and ``break`` or
    ``continue`` end the step. It returns the arrays named in ``returned``."""
    names = _global_names([*loop.stored, *loop.mutated, *loop.targets, *(n for n in (x_name, y_name, lr_name) if n),
                           *(n for node in setup for t in node.targets for n in _names_of(t))])  # type: ignore[attr-defined]
    lines = [f"def {STEP}({X_ARG}, {Y_ARG}, {LR_ARG}=None, print={QUIET}):"]
    if names:
        lines.append(f"    global {', '.join(names)}")
    if x_name:
        lines.append(f"    {x_name} = {X_ARG}")
    if y_name:
        lines.append(f"    {y_name} = {Y_ARG}.reshape(-1) if {y_flat!r} else {Y_ARG}")
    if lr_name:
        lines.append(f"    if {LR_ARG} is not None:")
        lines.append(f"        {lr_name} = {LR_ARG}")
    lines += _indented(setup, 1)
    for target in loop.targets:
        if target not in _RESERVED:
            lines.append(f"    {target} = 1")
    lines.append("    for __grader_once__ in (0,):")
    lines += _indented(loop.body, 2)
    lines.append("    __grader_names__ = globals()")
    entries = ", ".join(f"{n!r}: __grader_names__.get({n!r})" for n in returned)
    lines.append(f"    return {{{entries}}}")
    return "\n".join(lines)


def init_source(loop: Loop, parameters: Sequence[str]) -> str | None:
    """A function re-running the module-level statements before the loop that set the parameters (and
    seed the random generator), so a fresh state is the student's initialisation, not what training left."""
    wanted = set(parameters)
    chosen = []
    for node in loop.before:
        flow = _Flow()
        flow.statement(node)
        written = (flow.stored | flow.mutated) & wanted
        carried = written & set(flow.read_first) if isinstance(node, (ast.For, ast.While)) else set()
        if written and not carried and not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            chosen.append(node)  # an assignment, or a loop filling the parameters (not an earlier training)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and \
                isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "seed":
            chosen.append(node)
    if not any(isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign)) for n in chosen):
        return None
    lines = [f"def {INIT}():", f"    global {', '.join(_global_names(parameters))}"]
    lines += _indented(chosen, 1)
    return "\n".join(lines)


def loss_source(loop: Loop, *, output: str, y_name: str | None, y_flat: bool = False,
                setup: Sequence[ast.stmt] = (), x_name: str | None = None, column: bool = False) -> str | None:
    """A function of (targets, output) computing the loss as the body does: the statement that assigns a
    loss-like name from the output (or the targets), with the statements it depends on."""
    if not y_name:
        return None
    statements = [s for s in ast.walk(ast.Module(body=list(loop.body), type_ignores=[]))
                  if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)]
    statements.sort(key=lambda s: (s.lineno, s.col_offset))
    ranked = sorted(range(len(statements)), key=lambda i: not LOSS_NAME.match(statements[i].targets[0].id))  # type: ignore[attr-defined]
    for index in ranked:
        node = statements[index]
        target = node.targets[0].id  # type: ignore[attr-defined]
        if not (LOSS_NAME.match(target) or ERROR_NAME.match(target)) or target in (output, y_name):
            continue
        needed = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
        chosen = [node]
        for earlier in reversed(statements[:index]):
            name = earlier.targets[0].id  # type: ignore[attr-defined]
            if name in needed and name not in (output, y_name):
                chosen.insert(0, earlier)
                needed |= {n.id for n in ast.walk(earlier.value) if isinstance(n, ast.Name)}
        if not needed & {output, y_name} or not _reduces(chosen):
            continue  # not computed from the output, or not a number (an error array, not a loss)
        lines = [f"def {LOSS}({Y_ARG}, {P_ARG}):", f"    {y_name} = {Y_ARG}.reshape(-1) if {y_flat!r} else {Y_ARG}",
                 f"    {output} = {P_ARG}"]
        if setup and x_name:  # sizes taken from the inputs: an empty slice with as many samples as the targets
            lines.append(f"    {x_name} = {Y_ARG}[:0, :] if {column!r} else {Y_ARG}[:, :0]")
            lines += _indented(setup, 1)
        lines += _indented(chosen, 1)
        lines.append(f"    return {target}")
        return "\n".join(lines)
    return None


_REDUCTIONS = {"mean", "sum", "average", "nanmean", "nansum"}


def _reduces(statements: Sequence[ast.stmt]) -> bool:
    """The statements reduce an array to a number (``np.mean``, ``.sum()``, ``sum(...)``)."""
    for node in (n for s in statements for n in ast.walk(s)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in _REDUCTIONS:
                return True
    return False


def quiet_source() -> str:
    return f"def {QUIET}(*args, **kwargs):\n    return None"
