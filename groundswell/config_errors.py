"""Validation errors as a person reads them: each at its place in the file, a list item by its name (a brand,
a source, a channel, a sentiment rule, a crisis-term group), with the YAML line when the loader knows it, and the
fix where there is a usual one.

Pydantic's locations name union members (`store.sqlite.retention_days`, `channels.2.email.port`): those
names are no key of the file, so they are left out (`store.retention_days`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from core.errors import ConfigError
from groundswell.config_yaml import Sexagesimal, YamlPath

# The lists whose items errors name, by where the list is (`*`: any position) and the keys that name an item,
# first one set wins: `channels.2 (management-mail).port`, `brands.3 (Lumora).query`. A source or a channel
# goes by its `key` (name, else type): two of one type must have distinct names, so it tells them apart.
_NAMED_ITEMS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("brands",): ("name",),
    ("sources",): ("name", "type"),
    ("channels",): ("name", "type"),
    ("sentiment_rules",): ("name",),
    ("brands", "*", "crisis_terms"): ("name",),  # a group of terms; a plain term is its own text already
}


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
            out += [_named_line(root, (*base, *err["loc"]), line) if where else line for line in body.splitlines()]
            continue
        out.append(f"{where or '(top level)'}: {hint(err, path)}{_line(lines, path)}")
    return out


def report(origin: str, problems: list[str]) -> ConfigError:
    """The error that lists every problem of the config file `origin`, one line each."""
    lines = [f"{origin}: invalid configuration ({len(problems)} problem(s))"]
    lines += [f"  - {p}" for p in problems]
    return ConfigError("\n".join(lines))


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
    if err["type"] == "extra_forbidden" and _shared_alert_key(path):
        # Spelled right, but a key only the top-level `alerts:` takes: "check its spelling" would not fix it.
        return ("one setting for every brand: set it under the top-level `alerts:`, not under a brand "
                "(docs/alerts.md, Per-brand rules)")
    if err["type"] == "extra_forbidden":
        # A source's options are each source's own, listed per source in docs/sources.md.
        doc = "docs/sources.md" if path[:1] == ("sources",) and "options" in path[2:3] else "docs/configuration.md"
        return f"unknown key: remove it or check its spelling against {doc}"
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


def _shared_alert_key(path: YamlPath) -> bool:
    """Whether `path` is `brands.N.alerts.<key>` and `<key>` an `alerts:` setting no brand may set for itself
    (`alerts.config.shared_by_every_brand`)."""
    if len(path) != 4 or path[0] != "brands" or path[2] != "alerts" or not isinstance(path[3], str):
        return False
    from alerts.config import shared_by_every_brand  # lazy: kept with the registry import below
    from alerts.kinds import detectors  # lazy: the registry imports every detector (themes, nlp); DAGs parse configs

    return shared_by_every_brand(path[3], {d.name for d in detectors()})


def item_place(section: str, index: int, key: Any) -> str:
    """`channels.2 (management-mail)`: how a message names the item at `section.index` whose name is `key`
    (just `channels.2` when it has none), as validation errors name it: for the checks written by hand."""
    return f"{section}.{_item_label(index, key)}"


def _item_label(index: int, key: Any) -> str:
    if not isinstance(key, str) or not key.strip():
        return str(index)
    return f"{index} ({_short(key, 60)})"


def _item_name(path: list[Any], node: Any) -> str | None:
    """`2 (management-mail)` for the item at `channels.2`: its `name`, else its `type` (`_NAMED_ITEMS`)."""
    if not path or type(path[-1]) is not int or not isinstance(node, dict):
        return None
    where = tuple("*" if type(step) is int else step for step in path[:-1])
    keys = _NAMED_ITEMS.get(where)
    if keys is None:
        return None
    key = next((node[k] for k in keys if node.get(k)), None)
    return _item_label(path[-1], key) if isinstance(key, str) and key.strip() else None


def _named_line(root: Any, loc: tuple[Any, ...], line: str) -> str:
    """A validator's line `crisis_terms.0.any.1: problem`, about the value at `loc`, with its path named as
    pydantic's errors are (`brands.0 (Lumora).crisis_terms.0 (overheating).any.1: problem`)."""
    where, at = place(root, loc)
    head, sep, rest = line.partition(": ")
    steps = tuple(int(step) if step.isascii() and step.isdigit() else step for step in head.split(".")) if sep else ()
    named, path = place(root, (*loc, *steps))
    # Only a head that is a place in the file is named: anything else stays as the validator wrote it.
    return f"{named}: {rest}" if steps and path == (*at, *steps) else f"{where}.{line}"


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
