"""Inert stand-ins for packages a lab imports for plots, metrics or logging but the grading machine lacks.

Runs in the student's process (standard library only). :class:`Finder` sits last on
``sys.meta_path``, so it is asked only when a module cannot be imported for real, and only
for the packages in :data:`OPTIONAL`. It then serves a module whose every attribute is an
inert object: calling it, reading its attributes, entering it as a context manager or
formatting it all work and do nothing, so ``sns.set()``, ``plot_decision_regions(...)``,
``writer.add_scalar(...)`` and ``print(accuracy_score(y, p))`` pass. Computing with it
(arithmetic, conversion to an array or a number, indexing, iterating) raises
``ModuleNotFoundError`` naming the package: a network that needs the package fails with
words that say so. ``tqdm(iterable)`` gives back the iterable.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
import types

OPTIONAL = frozenset({"mlxtend", "sklearn", "seaborn", "tensorboardX", "tensorboard", "cupy", "wandb", "plotly",
                      "tqdm", "pandas", "termcolor", "colorama", "graphviz", "torchviz", "pydot", "prettytable",
                      "tabulate", "yellowbrick", "keras_visualizer", "ann_visualizer"})
_PASS_THROUGH = frozenset({"tqdm", "trange", "notebook", "auto", "tqdm_notebook"})


def _needs(package: str) -> ModuleNotFoundError:
    return ModuleNotFoundError(f"No module named '{package}': it is not installed where your lab is graded and "
                               f"your network computes with it; write that part with NumPy", name=package)


class Inert:
    """Does nothing and returns itself; refuses to take part in a computation."""

    __slots__ = ("_package", "_name")

    def __init__(self, package: str, name: str) -> None:
        object.__setattr__(self, "_package", package)
        object.__setattr__(self, "_name", name)

    def __getattr__(self, name: str) -> Inert:
        if name.startswith("__"):
            raise AttributeError(name)
        return Inert(self._package, f"{self._name}.{name}")

    def __setattr__(self, name: str, value: object) -> None:
        return None

    def __call__(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN204 - listed as "(*args, **kwargs)"
        if self._name.rsplit(".", 1)[-1] in _PASS_THROUGH and self._package == "tqdm" and args:
            return args[0]
        return Inert(self._package, f"{self._name}()")

    def __enter__(self) -> Inert:
        return self

    def __exit__(self, *exc: object) -> bool:
        return False

    def __repr__(self) -> str:
        return f"<{self._name}: stand-in, {self._package} is not installed>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __bool__(self) -> bool:
        return False

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return other is self

    def _refuse(self, *args: object, **kwargs: object) -> object:
        raise _needs(self._package)

    __array__ = __float__ = __int__ = __index__ = __len__ = __iter__ = __getitem__ = __setitem__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _refuse
    __matmul__ = __rmatmul__ = __pow__ = __rpow__ = __neg__ = __pos__ = __abs__ = _refuse
    __lt__ = __le__ = __gt__ = __ge__ = __floordiv__ = __mod__ = _refuse


class _Module(types.ModuleType):
    def __getattr__(self, name: str) -> Inert | str:
        if name == "__version__":  # printed by many labs
            return "stand-in (not installed)"
        if name.startswith("__"):
            raise AttributeError(name)
        return Inert(self.__name__.split(".")[0], f"{self.__name__}.{name}")


class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves a stand-in for an optional package that cannot be imported; remembers which it served."""

    def __init__(self) -> None:
        self.served: list[str] = []

    def find_spec(self, fullname: str, path: object = None, target: object = None):  # noqa: ANN201
        top = fullname.split(".")[0]
        if top not in OPTIONAL or not _from_student():
            return None
        if top not in self.served:
            self.served.append(top)
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _Module(spec.name)
        module.__path__ = []  # a package: its submodules import too
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None

    def events(self) -> list[dict]:
        """One load event per package replaced, for the result's warnings."""
        return [{"kind": "standin", "type": "ModuleNotFoundError", "file": None, "line": None, "cell": None,
                 "message": f"{name} is not installed where labs are graded: an inert stand-in replaced it "
                            "(fine for plots, metrics and logging; the network must not compute with it)"}
                for name in self.served]


_INSTALLED = tuple(os.path.realpath(p) for p in {sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                  os.path.dirname(os.__file__)})
_HERE = os.path.dirname(os.path.realpath(__file__))


def _from_student() -> bool:
    """The import statement is the student's (a cell, or a file outside the installed Python and its
    packages): a library trying an optional dependency must still see it missing."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if not name.startswith("<frozen") and not name.startswith(_HERE):
            if name.startswith("<"):
                return True
            real = os.path.realpath(name)
            return not any(real.startswith(root + os.sep) for root in _INSTALLED) and "site-packages" not in real
        frame = frame.f_back
    return False


def install() -> Finder:
    """Put a finder last on ``sys.meta_path`` (after every real one) and return it."""
    finder = Finder()
    sys.meta_path.append(finder)
    return finder
