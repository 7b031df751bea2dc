"""`nlp.onnx_encoder.cached_graph`: the one way both encoders build a cached ONNX file (MiniLM's, e5's): built once,
its settings beside it, never left half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.onnx_encoder import cached_graph


def test_built_once_with_its_settings_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "e5-fp32-abc.onnx"
    built: list[Path] = []

    def export(out: Path) -> None:
        built.append(out)
        out.write_bytes(b"graph")

    def never() -> Path:
        raise AssertionError("an fp32 graph is exported, not quantized")

    for _ in range(2):
        assert cached_graph(path, "fp32", export=export, fp32=never, settings=lambda: {"layers": [1]}) == path
    assert len(built) == 1 and built[0] != path  # written under another name, then renamed into place
    assert path.read_bytes() == b"graph"
    assert json.loads(path.with_suffix(".json").read_text(encoding="utf-8")) == {"layers": [1]}
    assert sorted(p.name for p in path.parent.iterdir()) == ["e5-fp32-abc.json", "e5-fp32-abc.onnx"]


def test_a_failed_build_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "minilm-fp32-abc.onnx"

    def export(out: Path) -> None:
        out.write_bytes(b"half a gra")
        raise RuntimeError("export failed")

    with pytest.raises(RuntimeError, match="export failed"):
        cached_graph(path, "fp32", export=export, fp32=lambda: path, settings=dict)
    assert list(tmp_path.iterdir()) == []  # no half-written graph a later use could read
