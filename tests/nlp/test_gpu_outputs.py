"""tools.sentiment.gpu_outputs: runs sent back from a GPU machine as at most 8 files of under 16 MB, and rebuilt."""

from __future__ import annotations

import json
import tarfile

import click
import numpy as np
import pytest

from tools.sentiment.gpu_outputs import CHUNK_BYTES, delta_chunks, pack_runs, unpack_runs


def _run(path, seed: int, delta: dict | None = None) -> None:
    from safetensors.numpy import save_file

    path.mkdir(parents=True)
    (path / "finetune.json").write_text(json.dumps({"seed": seed, "datasets": ["a/en"]}), encoding="utf-8")
    np.savez_compressed(path / "holdout.npz", index=np.arange(4), logits=np.full((4, 3), float(seed)))
    if delta is not None:
        save_file(delta, str(path / "delta.safetensors"))


def test_parts_stay_under_the_limit_and_hold_every_tensor_once():
    delta = {f"encoder.layer.{i}.w": np.ones((1000, 384), np.float32) for i in range(12)}  # 768 kB each in fp16
    parts = delta_chunks(delta, limit=2_000_000)
    assert [len(p) for p in parts] == [2] * 6
    assert all(sum(t.nbytes for t in p.values()) <= 2_000_000 for p in parts)
    assert sorted(k for p in parts for k in p) == sorted(delta)
    with pytest.raises(ValueError, match="alone is 768000 bytes"):
        delta_chunks(delta, limit=700_000)


def test_runs_go_and_come_back_with_the_chosen_delta_in_fp32(tmp_path):
    """All 12 trained layers of e5-small (85 MB in fp32) come back in parts of at most 15 MB."""
    from safetensors.numpy import load_file

    rng = np.random.default_rng(0)
    delta = {f"encoder.layer.{i}.{m}.dense.weight": rng.normal(0, 0.05, (1536, 384)).astype(np.float32)
             for i in range(12) for m in ("intermediate", "output")}  # 28 MB in fp16: two parts
    delta["head.weight"] = rng.normal(0, 0.05, (3, 384)).astype(np.float32)
    _run(tmp_path / "runs" / "l12-e3-s13", 13, delta)
    _run(tmp_path / "runs" / "l12-e3-s14", 14, delta)
    (tmp_path / "runs" / "l12-e3-s14.log").write_text("a log beside the runs is not a run")
    out = tmp_path / "out"
    written = pack_runs(tmp_path / "runs", "l12-e3-s13", out)
    assert [p.name for p in written] == ["runs.tar.gz"] + [f"delta-l12-e3-s13-{k}.safetensors" for k in (1, 2)]
    assert all(p.stat().st_size < 16_000_000 for p in written)
    assert sum(p.stat().st_size for p in written) < 64_000_000
    assert all(p.stat().st_size <= CHUNK_BYTES + 100_000 for p in written)  # + the safetensors header
    runs = unpack_runs(out, tmp_path / "back")
    assert [r.name for r in runs] == ["l12-e3-s13", "l12-e3-s14"]
    back = load_file(str(tmp_path / "back" / "l12-e3-s13" / "delta.safetensors"))
    assert set(back) == set(delta)
    for name, t in delta.items():
        assert back[name].dtype == np.float32
        np.testing.assert_allclose(back[name], t, rtol=2**-11, atol=1e-7)  # fp16 rounding, nothing more
    assert not (tmp_path / "back" / "l12-e3-s14" / "delta.safetensors").exists()
    assert np.load(tmp_path / "back" / "l12-e3-s14" / "holdout.npz")["logits"][0, 0] == 14.0


def test_a_missing_run_or_a_stray_archive_member_is_one_clear_error(tmp_path):
    _run(tmp_path / "runs" / "a", 1)
    with pytest.raises(click.ClickException, match="--delta-of b: no"):
        pack_runs(tmp_path / "runs", "b", tmp_path / "out")
    with pytest.raises(click.ClickException, match="holds no finetune_e5 run"):
        pack_runs(tmp_path / "out", None, tmp_path / "out2")
    evil = tmp_path / "evil"
    evil.mkdir()
    (tmp_path / "x.json").write_text("{}")
    with tarfile.open(evil / "runs.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "x.json", arcname="../finetune.json")
    with pytest.raises(click.ClickException, match="unexpected member '../finetune.json'"):
        unpack_runs(evil, tmp_path / "back")
    assert not (tmp_path / "finetune.json").exists()
