"""Fuzz `groundswell config check` with seeded mutations of a real config: never a traceback.

Each mutation is either structural (a value somewhere replaced by junk, a key dropped or
invented) or textual (the YAML cut, bytes flipped, encodings broken, keys repeated, nesting
and numbers blown up). Every one must end in `OK`, a clear error naming the file, or a
warning list; the counts are printed so the docs can quote them.
"""

from __future__ import annotations

import copy
import json
import os
import random
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from groundswell.cli import EXIT_ERROR, EXIT_PARTIAL, cli

SEED = 20261130
MUTATIONS = 240

BASE: dict[str, Any] = {
    "brands": [
        {"name": "Lumora", "query": "(Lumora OR #lumora) AND NOT lang:ja", "crisis_terms": ["recall"]},
        {"name": "Sonique", "query": "Sonique", "competitor": True},
    ],
    "sources": [
        {"type": "mastodon", "options": {"hashtags": ["lumora"]}},
        {"type": "x", "options": {"bearer_token_env": "X_BEARER_TOKEN", "monthly_read_budget": 10000}},
        {"type": "import", "options": {"path": "exports/brandwatch.csv", "batch_size": 100}},
        {"type": "bluesky", "options": {"timeout_s": 20}},
    ],
    "store": {"type": "sqlite", "path": ".groundswell/groundswell.db", "retention_days": 90},
    "nlp": {"batch_size": 32, "uncertain_below": 0.5, "max_text_chars": 10000},
    "alerts": {"spike": {"preset": "balanced", "cooldown_buckets": 6}, "incident_gap_hours": 12},
    "channels": [{"type": "slack", "url_env": "SLACK_WEBHOOK_URL", "backoff_s": 1.0, "timeout_s": 10}],
    "report": {"path": ".groundswell/report.html"},
    "digest": {"time": "08:00", "timezone": "Europe/Rome"},
    "sentiment_rules": [{"name": "press", "query": '"press release" OR #pr', "label": "neutral", "brands": ["Lumora"]}],
}

JUNK: list[Any] = [
    None, "", " ", -1, 0, 1, 10**30, -(10**30), 1e308, -1e308, float("inf"), float("-inf"), float("nan"),
    "inf", "nan", "-Infinity", [], {}, [[[]]], {"x": {"y": {"z": 1}}}, True, False, "💥" * 50, "a" * 20000,
    "\x00\x01", "${HOME}", "../../etc/passwd", "2026-13-45", "(unclosed", "NOT", "lang:", "NEAR/0",
    [None, 1, "a"], {"type": "sqlite"}, {"type": "elasticsearch"}, {"type": "nope"}, 3.5, "08:61", "Mars/Olympus",
]


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (tuple of keys/indexes) into nested dicts/lists."""
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out += _paths(child, (*prefix, i))
    return out


def _parent(data: Any, path: tuple) -> Any:
    for key in path[:-1]:
        data = data[key]
    return data


def _structural(rng: random.Random) -> dict:
    data = copy.deepcopy(BASE)
    path = rng.choice(_paths(data))
    parent = _parent(data, path)
    kind = rng.choice(["replace", "replace", "replace", "drop", "invent", "deep"])
    if kind == "replace":
        parent[path[-1]] = copy.deepcopy(rng.choice(JUNK))
    elif kind == "drop":
        del parent[path[-1]]
    elif kind == "invent" and isinstance(parent, dict):
        parent[rng.choice(["brandz", "timeout", "store", "x" * 300, "secret_token", "password"])] = rng.choice(JUNK)
    else:
        deep: Any = "bottom"
        for _ in range(rng.choice([20, 40, 200])):
            deep = {"k": deep} if rng.random() < 0.5 else [deep]
        parent[path[-1]] = deep
    return data


def _dump(data: dict) -> bytes:
    # allow_unicode keeps emoji readable; width keeps long strings on one line.
    return yaml.safe_dump(data, allow_unicode=True, width=10**6, sort_keys=False).encode("utf-8")


def _textual(rng: random.Random) -> bytes:
    text = _dump(BASE)
    lines = text.split(b"\n")
    kind = rng.choice(
        ["truncate", "flip", "latin1", "bom", "dup_line", "dup_top", "long_int", "deep", "alias_loop",
         "laughs", "tabs", "nul", "json", "empty", "scalar", "dup_nested"]
    )
    if kind == "truncate":
        return text[: rng.randrange(len(text))]
    if kind == "flip":
        data = bytearray(text)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if kind == "latin1":
        return text.replace(b"Rome", "Zürich".encode("latin-1"))
    if kind == "bom":
        return b"\xef\xbb\xbf" + text
    if kind == "dup_line":
        i = rng.randrange(len(lines))
        return b"\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])
    if kind == "dup_top":
        return text + b"store: {type: sqlite, path: other.db}\n"
    if kind == "dup_nested":
        return text.replace(b"  batch_size: 32", b"  batch_size: 32\n  batch_size: 64")
    if kind == "long_int":
        return text.replace(b"retention_days: 90", b"retention_days: " + b"9" * rng.choice([50, 4400, 5000]))
    if kind == "deep":
        depth = rng.choice([100, 1000, 5000])
        return text + b"dashboard_url: " + b"[" * depth + b"]" * depth + b"\n"
    if kind == "alias_loop":
        return text + b"x_loop: &a [*a]\n"
    if kind == "laughs":
        bomb = b"a: &a [x, x, x, x, x, x, x, x, x]\n"
        for i, name in enumerate("bcdefgh"):
            prev = "abcdefgh"[i]
            bomb += f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n".encode()
        return text + b"nlp_extra:\n" + b"\n".join(b"  " + line for line in bomb.splitlines()) + b"\n"
    if kind == "tabs":
        return text.replace(b"  ", b"\t", 3)
    if kind == "nul":
        return text.replace(b"Lumora", b"Lum\x00ora", 1)
    if kind == "json":
        return json.dumps(BASE).encode()[: rng.choice([10, 100, 10**6])]
    if kind == "empty":
        return b""
    return rng.choice([b"42\n", b"- a\n- b\n", b"'just a string'\n", b"null\n", b"~\n"])


def test_config_check_never_tracebacks(tmp_path, capsys, monkeypatch):
    # The unmutated config is OK: its variables are set and its import file exists.
    monkeypatch.setenv("X_BEARER_TOKEN", "fuzz")
    monkeypatch.setenv("SLACK_WEBHOOK_URL", "http://127.0.0.1:9/fuzz")
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "brandwatch.csv").write_text("source,native_id,text,created_at\n")
    rng = random.Random(SEED)
    runner = CliRunner()
    outcomes = {"ok": 0, "warnings": 0, "errors": 0}
    failures: list[str] = []
    for n in range(MUTATIONS):
        content = _dump(_structural(rng)) if n % 2 == 0 else _textual(rng)
        path: Path = tmp_path / f"m{n}.yaml"
        path.write_bytes(content)
        result = runner.invoke(cli, ["config", "check", str(path)])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            failures.append(f"m{n}: {type(result.exception).__name__}: {result.exception}"[:300])
            continue
        output = result.output
        if result.exit_code == 0 and ": OK (" in output:
            outcomes["ok"] += 1
        elif result.exit_code == EXIT_PARTIAL and "will fail at run time" in output:
            outcomes["warnings"] += 1
        elif result.exit_code == EXIT_ERROR and output.startswith(f"Error: {path}") and "Traceback" not in output:
            outcomes["errors"] += 1
            too_long = [line for line in output.splitlines() if len(line) > 400]
            if too_long:
                failures.append(f"m{n}: error line of {len(too_long[0])} chars: {too_long[0][:200]}")
        else:
            failures.append(f"m{n}: exit {result.exit_code}: {output[:300]}")
        if os.environ.get("FUZZ_SHOW"):
            print(f"m{n} exit {result.exit_code}: {output.replace(str(tmp_path), '~')[:600]}")
    with capsys.disabled():
        print(
            f"\nconfig fuzz (seed {SEED}): {MUTATIONS} mutations, {len(failures)} tracebacks/unclear, "
            f"{outcomes['ok']} OK, {outcomes['warnings']} valid with warnings, {outcomes['errors']} clear errors"
        )
    assert not failures, "\n".join(failures[:20])
    assert sum(outcomes.values()) == MUTATIONS >= 200
