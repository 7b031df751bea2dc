"""Validation errors as a person reads them: each at its place in the file, a channel by its name, with the
YAML line when the loader knows it, and the fix where there is a usual one.

Pydantic's locations name union members (`store.sqlite.retention_days`, `channels.2.email.port`): those
names are no key of the file, so they are left out (`store.retention_days`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from groundswell.config_yaml import Sexagesimal, YamlPath

# Sections whose items are named in errors by their `name` (else `type`), as route errors and warnings name
# them: `channels.2 (management-mail).port`.
_NAMED_ITEMS = frozenset({"channels"})


def problems(
    exc: ValidationError, root: Any, lines: Mapping[YamlPath, int] | None = None, base: YamlPath = ()
) -> list[str]:
    """One line per error of `exc`, raised validating the value at `base` in the config `root`."""
    out = []
    for err in exc.errors():
        where, path = place(root, (*base, *err["loc"]))
        if err["type"] == "value_error" and ("\n" in err["msg"] or not where):
            # A validator that found several problems, or the model's own (each line has its path): one line
            # each, 'field: problem' below `where`.
            body = err["msg"].removeprefix("Value error, ")
            out += [f"{where}.{line}" if where else line for line in body.splitlines()]
            continue
        out.append(f"{where or '(top level)'}: {hint(err, path)}{_line(lines, path)}")
    return out


def place(root: Any, loc: tuple[Any, ...]) -> tuple[str, YamlPath]:
    """How to name `loc` (pydantic's location of an error) in `root`: its name for a person, and the path of
    keys and positions that lead to it in the file (for its line)."""
    names: list[str] = []
    path: list[Any] = []
    node: Any = root
    tracking = True  # `node` is the value at `path`
    for k, step in enumerate(loc):
        last = k == len(loc) - 1
        container = isinstance(node, dict | list)
        if tracking and isinstance(node, dict) and _hashable(step) and step in node:
            node = node[step]
        elif tracking and isinstance(node, list) and type(step) is int and 0 <= step < len(node):
            node = node[step]
        elif tracking and isinstance(step, str) and (not container or not last):
            continue  # a union member's name ('sqlite', 'email'): no key of the file
        else:
            tracking = False  # a key the file lacks (a required one, last) or a place only pydantic knows
            names.append(_short(str(step)))
            continue
        path.append(step)
        names.append(_item_name(path, node) or _short(str(step)))
    return ".".join(names), tuple(path)


def hint(err: Any, path: YamlPath = ()) -> str:
    """What to do about one error."""
    if err["type"] == "extra_forbidden":
        return "unknown key: remove it or check its spelling against docs/configuration.md"
    if err["type"] == "missing":
        return "required: add it"
    if err["type"] == "value_error":  # a validator's own sentence: pydantic's prefix only hides its start
        return str(err["msg"]).removeprefix("Value error, ")
    value = err.get("input")
    if err["type"] == "string_type" and isinstance(value, Sexagesimal):
        # YAML 1.1 reads an unquoted `8:00` as base 60: pydantic would only say "Input should be a valid string".
        keys = [step for step in path if isinstance(step, str)]
        field = f"{keys[-1]}: " if keys and path and path[-1] == keys[-1] else ""
        return (f"YAML reads {value.text} without quotes as the number {int(value)}: "
                f"write it in quotes: {field}{value.quoted()}")
    return err["msg"]


def _item_name(path: list[Any], node: Any) -> str | None:
    """`2 (management-mail)` for the item at `channels.2`: its `name`, else its `type`."""
    if len(path) != 2 or path[0] not in _NAMED_ITEMS or not isinstance(node, dict):
        return None
    key = node.get("name") or node.get("type")
    if not isinstance(key, str) or not key.strip():
        return None
    return f"{path[1]} ({_short(key, 60)})"


def _line(lines: Mapping[YamlPath, int] | None, path: YamlPath) -> str:
    """` (line N)`: the line of `path`, or of the nearest place above it the loader knows (a required key)."""
    for n in range(len(path), 0, -1):
        line = (lines or {}).get(path[:n])
        if line is not None:
            return f" (line {line})"
    return ""


def _short(text: str, limit: int = 80) -> str:
    """`text` on one line and at most `limit` characters: a key pasted wrong can be a paragraph."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
