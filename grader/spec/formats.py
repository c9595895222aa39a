"""Spec file formats: a small base class and a registry keyed by file suffix."""
from __future__ import annotations

import tomllib
from pathlib import Path
from types import MappingProxyType
from typing import Any

from grader.errors import SpecError


class SpecFormat:
    """Parses the text of a spec file into plain data."""

    name: str = ""
    suffixes: tuple[str, ...] = ()

    def parse(self, text: str) -> dict[str, Any]:
        raise NotImplementedError


class TomlFormat(SpecFormat):
    name = "toml"
    suffixes = (".toml",)

    def parse(self, text: str) -> dict[str, Any]:
        return tomllib.loads(text)


class YamlFormat(SpecFormat):
    name = "yaml"
    suffixes = (".yaml", ".yml")

    def parse(self, text: str) -> dict[str, Any]:
        import yaml  # only for YAML specs: the built-in ones are TOML

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(str(exc)) from None
        if not isinstance(data, dict):
            raise ValueError("the top level must be a mapping")
        return data


FORMATS: MappingProxyType[str, SpecFormat] = MappingProxyType(
    {suffix: fmt for fmt in (TomlFormat(), YamlFormat()) for suffix in fmt.suffixes}
)


def read_spec(path: Path) -> dict[str, Any]:
    """The data of a spec file, parsed by the format its suffix names."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SpecError(f"{path}: unknown spec format {path.suffix!r} (use one of {', '.join(sorted(FORMATS))})")
    try:
        return fmt.parse(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SpecError(f"{path}: cannot read the {fmt.name} spec: {exc}") from None
