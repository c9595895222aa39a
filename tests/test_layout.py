"""The package layout: lower stages of the pipeline never import higher ones (docs/design.md).

The stages, lowest first: the cross-cutting contract (errors, results, the mistake catalogue), spec,
sandbox, binding, diagnosis, checks, grading (with the gradebook), reports, platforms, and the entry
points (api, cli). A module may import its own stage and lower ones; imports only read by type
checkers (``if TYPE_CHECKING:``) count too. ``from grader import __version__`` is allowed anywhere:
the package's ``__init__`` imports nothing until a name is used.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "grader"

#: (module prefix, rank); the longest matching prefix decides.
STAGES: tuple[tuple[str, int], ...] = (
    ("grader.errors", 0),
    ("grader.results", 0),
    ("grader.diagnosis.catalogue", 0),
    ("grader.spec", 1),
    ("grader.sandbox", 2),
    ("grader.binding", 3),
    ("grader.checks.compare", 4),
    ("grader.diagnosis", 4),
    ("grader.checks", 5),
    ("grader.grading", 6),
    ("grader.gradebook", 6),
    ("grader.reports", 7),
    ("grader.platforms", 8),
    ("grader.api", 9),
    ("grader.cli", 9),
    ("grader.pytest_plugin", 9),
    ("grader.__main__", 9),
    ("grader", 9),
)
#: What may sit directly in grader/: the entry points and the three cross-cutting modules.
TOP_LEVEL = {"__init__.py", "__main__.py", "api.py", "cli.py", "errors.py", "pytest_plugin.py",
             "results.py", "gradebook.py", "grading.py"}


def rank(module: str) -> int:
    """The stage of ``module`` (a dotted name inside ``grader``)."""
    best = max((prefix for prefix, _ in STAGES if module == prefix or module.startswith(prefix + ".")), key=len)
    return dict(STAGES)[best]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` for every import of a ``grader`` module in ``path``, relative ones resolved."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return [(line, target) for line, target in found if target == "grader" or target.startswith("grader.")]


def known(module: str) -> bool:
    """Whether ``module`` is a module or package of the grader (``from pkg import name`` may name neither)."""
    relative = Path(*module.split("."))
    return (ROOT / relative).with_suffix(".py").is_file() or (ROOT / relative / "__init__.py").is_file()


def grader_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "assignments" not in p.relative_to(PACKAGE).parts)


def test_no_module_imports_a_higher_stage():
    upward = []
    for path in grader_modules():
        here = module_name(path)
        for line, target in imports(path):
            if target != "grader" and known(target) and rank(target) > rank(here):
                upward.append(f"{path.relative_to(ROOT)}:{line} ({here}, stage {rank(here)}) imports "
                              f"{target} (stage {rank(target)})")
    assert upward == []


def test_only_entry_points_and_cross_cutting_modules_sit_at_the_top():
    assert {p.name for p in PACKAGE.glob("*.py")} <= TOP_LEVEL


@pytest.mark.parametrize("platform", ["classroom", "gradescope", "lms", "selfcheck"])
def test_each_platform_lives_in_one_folder(platform):
    folder = PACKAGE / "platforms" / platform
    assert (folder / "__init__.py").is_file()
    elsewhere = [p for p in grader_modules() if platform in p.stem and folder not in p.parents]
    assert elsewhere == []


def test_the_checker_sees_an_upward_import(tmp_path):
    """The rule itself works: a spec module importing a report is caught."""
    assert rank("grader.spec.assignment") < rank("grader.reports.html")
    assert rank("grader.checks.compare") < rank("grader.checks.gradients")
    assert rank("grader.diagnosis.catalogue") == 0
