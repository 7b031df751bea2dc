"""Reading `groundswell.yaml` into plain data, refusing what YAML would otherwise accept silently.

- a key given twice in one mapping (YAML keeps the last one: a second `store:` would quietly
  replace the first) is an error naming the key and both lines;
- integers too long to convert, nesting too deep to parse, and bytes that are not UTF-8 are
  one-line errors instead of tracebacks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node

from core.errors import ConfigError

_MERGE = "tag:yaml.org,2002:merge"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and over-long integers."""

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            _refuse_duplicates(self, node)
        return super().construct_mapping(node, deep=deep)


def _refuse_duplicates(loader: yaml.SafeLoader, node: MappingNode) -> None:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE:
            continue  # `<<: *base` merges are meant to be overridden by the keys beside them
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            first = seen.get(key)
            seen.setdefault(key, line)
        except TypeError:
            continue  # unhashable key: SafeLoader reports it itself
        if first is not None:
            raise ConstructorError(
                None,
                None,
                f"key '{str(key)[:80]}' appears twice (lines {first} and {line}); "
                "YAML would silently keep only the last one: keep one",
                key_node.start_mark,
            )


def _construct_int(loader: yaml.SafeLoader, node: Node) -> int:
    try:
        return yaml.SafeLoader.construct_yaml_int(loader, node)
    except ValueError:
        raise ConstructorError(
            None, None, f"integer with {len(str(node.value))} digits is not a usable number", node.start_mark
        ) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def read_yaml(path: Path) -> Any:
    """The YAML document in `path` as plain data; ConfigError with the line and the fix otherwise."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")  # an editor's BOM is harmless
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: not UTF-8 text (line {line}, byte 0x{raw[exc.start]:02x}): save the file as UTF-8"
        ) from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())  # one line, whatever YAML says
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to read; a config needs only a few levels") from None
