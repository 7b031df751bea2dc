"""Reading `groundswell.yaml` into plain data, refusing what YAML would otherwise accept silently.

- a key given twice in one mapping (YAML keeps the last one: a second `store:` would quietly
  replace the first) is an error naming the key and both lines;
- integers too long to convert, nesting too deep to parse, and bytes that are not UTF-8 are
  one-line errors instead of tracebacks;
- an unquoted `8:00` (YAML 1.1 reads it as the base-60 number 480) stays recognisable (`Sexagesimal`),
  so a field that wants text can say "write it in quotes" instead of "Input should be a valid string".

`read_yaml_lines` also gives each key's and list item's line, so a validation error can name it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeAlias

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, SequenceNode

from core.errors import ConfigError

_MERGE = "tag:yaml.org,2002:merge"

# A place in the document: the keys and list positions that lead to it (`("channels", 2, "port")`).
YamlPath: TypeAlias = tuple[Any, ...]
# Lines cover at most this many places: a file of aliases can expand far beyond its size.
_MAX_LINES = 100_000


class Sexagesimal(int):
    """An integer YAML 1.1 read from base-60 digits (`8:00` is 480): `text` is what the file says."""

    text: str

    def __new__(cls, value: int, text: str) -> Sexagesimal:
        number = super().__new__(cls, value)
        number.text = text
        return number

    def quoted(self) -> str:
        """The text as the time it most likely meant, in quotes: `8:00` -> `"08:00"`."""
        sign, digits = ("-", self.text[1:]) if self.text.startswith("-") else ("", self.text.lstrip("+"))
        return '"' + sign + ":".join(part.zfill(2) for part in digits.split(":")) + '"'


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
        value = yaml.SafeLoader.construct_yaml_int(loader, node)
        text = str(node.value)
        return Sexagesimal(value, text.replace("_", "")) if ":" in text else value
    except ValueError:
        raise ConstructorError(
            None, None, f"integer with {len(str(node.value))} digits is not a usable number", node.start_mark
        ) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def read_yaml(path: Path) -> Any:
    """The YAML document in `path` as plain data; ConfigError with the line and the fix otherwise."""
    return read_yaml_lines(path)[0]


def read_yaml_lines(path: Path) -> tuple[Any, dict[YamlPath, int]]:
    """`read_yaml`, and the line (1-based) of each key and list item, by its path."""
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
    loader: _StrictLoader | None = None
    try:
        loader = _StrictLoader(text)  # its reader refuses control characters already
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        return data, _lines(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())  # one line, whatever YAML says
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to read; a config needs only a few levels") from None
    finally:
        if loader is not None:
            loader.dispose()


def _lines(root: Node | None) -> dict[YamlPath, int]:
    """The line of each key and list item below `root`. Iterative, and each node is walked once (an alias
    keeps the first path that reached it), so neither depth nor aliases can make it blow up."""
    out: dict[YamlPath, int] = {}
    seen: set[int] = set()
    stack: list[tuple[Node, YamlPath]] = [(root, ())] if root is not None else []
    while stack and len(out) < _MAX_LINES:
        node, where = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value if key_node.tag == "tag:yaml.org,2002:str" else None
                if key is None:
                    continue  # a merge or a non-text key: no config field is named so
                out.setdefault((*where, key), key_node.start_mark.line + 1)
                stack.append((value_node, (*where, key)))
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                out.setdefault((*where, i), item.start_mark.line + 1)
                stack.append((item, (*where, i)))
    return out
