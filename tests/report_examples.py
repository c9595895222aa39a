"""Helpers of the report tests: example submissions graded once per session, and a small HTML tree.

The submissions are the bundled examples and the two-layer assignment's own
files, plus a notebook with a syntax error in its second code cell written
here, so the tests do not depend on the grading core's fixture files.
"""
from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator

import nbformat

from conftest import ROOT, grade_file
from grader.results import SubmissionResult

EXAMPLES = ROOT / "submissions" / "examples"
SOURCES = {
    "solution": ROOT / "assignments" / "two-layer" / "solution.py",  # full marks
    "dave_missing_derivative": EXAMPLES / "dave_missing_derivative.ipynb",  # gradients and descent fail
    "carol_sign_error": EXAMPLES / "carol_sign_error.py",  # gradient sign: the loss goes up
    "grace_syntax_error": EXAMPLES / "grace_syntax_error.py",  # cannot be graded: line 29
    "starter": ROOT / "assignments" / "two-layer" / "starter.ipynb",  # every check raises NotImplementedError
}
BROKEN_NOTEBOOK_CELLS = ["import numpy as np",
                         "class SimpleNN:\n    def __init__(self, a, b, c, lr=0.5)\n        pass\n"]


def broken_notebook(folder: Path) -> Path:
    """A notebook whose second code cell has a syntax error on its line 2."""
    path = folder / "notebook_syntax_error.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Lab"),
                                               *(nbformat.v4.new_code_cell(c) for c in BROKEN_NOTEBOOK_CELLS)])
    nbformat.write(notebook, path)
    return path


@functools.cache
def graded() -> dict[str, SubmissionResult]:
    """The example submissions graded once (in parallel), keyed by student."""
    folder = Path(tempfile.mkdtemp(prefix="grader-report-tests-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    paths = [*SOURCES.values(), broken_notebook(folder)]
    with ThreadPoolExecutor(max_workers=len(paths)) as pool:
        results = list(pool.map(grade_file, paths))
    internal = [r for r in results if r.error is not None and r.error.source == "grader"]
    assert not internal, f"the grader failed on {internal[0].student}: {internal[0].error.traceback}"
    return {r.student: r for r in results}


class Node:
    """An element of a parsed page: tag, attributes, children (nodes and text)."""

    def __init__(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Node | str] = []

    def text(self) -> str:
        """The text inside, whitespace collapsed."""
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(" ".join(parts).split())

    def iter(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        """Elements named ``tag`` whose attributes include ``attrs`` (``class_`` for class; a class word matches)."""
        found = []
        for node in self.iter():
            if node is self or node.tag != tag:
                continue
            ok = True
            for key, value in attrs.items():
                name = key.rstrip("_").replace("_", "-")
                have = node.attrs.get(name)
                ok = ok and have is not None and (value in have.split() if name == "class" else have == value)
            if ok:
                found.append(node)
        return found

    def kids(self, tag: str) -> list[Node]:
        """The direct children named ``tag``."""
        return [c for c in self.children if isinstance(c, Node) and c.tag == tag]

    def find(self, tag: str, **attrs: str) -> Node:
        """The first element found (AssertionError when there is none)."""
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag} {attrs}>"
        return found[0]


VOID = {"meta", "link", "br", "hr", "img", "input", "col", "wbr", "source", "area", "base", "embed", "track"}


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    """The page as a tree (AssertionError on a misnested or unclosed element)."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.stack == [builder.root], f"unclosed: {[n.tag for n in builder.stack[1:]]}"
    return builder.root
