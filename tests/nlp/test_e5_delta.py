"""The packed sentiment delta (nlp/e5_delta.py): int8 or int4 differences from the base, made whole again."""

from __future__ import annotations

import numpy as np
import pytest
from safetensors.numpy import save_file

from nlp.e5_delta import Q4, Q4SCALE, Q8, SCALE, delta_names, load_delta, pack_delta, unpack_delta


def _model(rng: np.random.Generator) -> tuple[dict, dict]:
    """A base with two matrices and a vector, and a 'fine-tuned' copy that moved a little."""
    base = {"encoder.layer.8.intermediate.dense.weight": rng.normal(0, 0.05, (1536, 384)).astype(np.float32),
            "encoder.layer.8.output.dense.weight": rng.normal(0, 0.05, (384, 1536)).astype(np.float32),
            "encoder.layer.8.output.LayerNorm.weight": rng.normal(1, 0.1, 384).astype(np.float32)}
    tuned = {k: v + rng.normal(0, 0.002, v.shape).astype(np.float32) for k, v in base.items()}
    tuned["encoder.layer.8.output.dense.weight"][7] = base["encoder.layer.8.output.dense.weight"][7]  # a row kept
    tuned["sentiment_head.weight"] = rng.normal(0, 0.1, (3, 384)).astype(np.float32)
    return base, tuned


def test_packed_matrices_come_back_within_half_a_step():
    base, tuned = _model(np.random.default_rng(0))
    packed = pack_delta(tuned, base.__getitem__)
    name = "encoder.layer.8.intermediate.dense.weight"
    assert packed[name + Q8].dtype == np.int8 and packed[name + SCALE].shape == (1536,)
    assert packed["encoder.layer.8.output.LayerNorm.weight"].dtype == np.float16
    assert packed["sentiment_head.weight"].dtype == np.float32
    assert delta_names(packed) == set(tuned)

    whole = unpack_delta(packed, base.__getitem__)
    assert set(whole) == set(tuned)
    for key in ("encoder.layer.8.intermediate.dense.weight", "encoder.layer.8.output.dense.weight"):
        err = np.abs(whole[key] - tuned[key]).max(axis=1)
        step = packed[key + SCALE]
        assert (err <= step / 2 + 1e-6).all()
        # the rounding is small next to what fine-tuning changed: packing keeps the change itself
        assert err.max() < 0.05 * np.abs(tuned[key] - base[key]).max()
    kept = whole["encoder.layer.8.output.dense.weight"][7]
    assert np.array_equal(kept, base["encoder.layer.8.output.dense.weight"][7])
    assert np.array_equal(whole["sentiment_head.weight"], tuned["sentiment_head.weight"])
    # packing what was unpacked does not drift (calibrate_e5 may be handed an unpacked delta)
    again = pack_delta(whole, base.__getitem__)
    assert set(again) == set(packed)
    assert all(np.abs(again[k].astype(np.int16) - packed[k]).max() <= 1 for k in packed if k.endswith(Q8))


def test_int4_groups_come_back_within_half_their_step_in_half_the_bytes(tmp_path):
    base, tuned = _model(np.random.default_rng(3))
    name = "encoder.layer.8.intermediate.dense.weight"
    tuned[name][5, 70] += 0.05  # one outlying change: only its own group of 64 gets a coarser step
    packed = pack_delta(tuned, base.__getitem__, bits=4, group=64)
    assert packed[name + Q4].dtype == np.uint8 and packed[name + Q4].shape == (1536, 192)
    assert packed[name + Q4SCALE].shape == (1536, 6)
    assert not any(k.endswith((Q8, SCALE)) for k in packed)
    assert delta_names(packed) == set(tuned)
    int8_bytes = sum(v.nbytes for k, v in pack_delta(tuned, base.__getitem__).items() if k.startswith(name))
    assert sum(v.nbytes for k, v in packed.items() if k.startswith(name)) < 0.6 * int8_bytes

    save_file(packed, str(tmp_path / "delta.safetensors"))
    save_file(base, str(tmp_path / "model.safetensors"))
    whole = load_delta(tmp_path / "delta.safetensors", tmp_path)  # through the file, as the runtime reads it
    for key in ("encoder.layer.8.intermediate.dense.weight", "encoder.layer.8.output.dense.weight"):
        step = np.repeat(packed[key + Q4SCALE], 64, axis=1)
        err = np.abs(whole[key] - tuned[key])
        assert (err <= step / 2 + 1e-6).all()
        assert err.mean() < 0.15 * np.abs(tuned[key] - base[key]).mean()  # most of the change is kept
    assert np.abs(whole[name][5, 70] - tuned[name][5, 70]) <= packed[name + Q4SCALE][5, 1] / 2 + 1e-6
    assert packed[name + Q4SCALE][5, 1] > 5 * np.median(packed[name + Q4SCALE])  # the outlier's group only
    kept = whole["encoder.layer.8.output.dense.weight"][7]
    assert np.array_equal(kept, base["encoder.layer.8.output.dense.weight"][7])  # code 0 is exact
    assert np.array_equal(whole["sentiment_head.weight"], tuned["sentiment_head.weight"])


def test_int4_refuses_what_it_cannot_pack_or_unpack():
    base, tuned = _model(np.random.default_rng(4))
    with pytest.raises(ValueError, match="bits must be one of"):
        pack_delta(tuned, base.__getitem__, bits=2)
    with pytest.raises(ValueError, match="group dividing the matrix width: 384 by 100"):
        pack_delta(tuned, base.__getitem__, bits=4, group=100)
    packed = pack_delta(tuned, base.__getitem__, bits=4)
    with pytest.raises(ValueError, match="without its .*q4scale"):
        unpack_delta({k: v for k, v in packed.items() if not k.endswith(Q4SCALE)}, base.__getitem__)
    name = "encoder.layer.8.output.dense.weight"
    with pytest.raises(ValueError, match="do not split into 5 groups"):
        unpack_delta(packed | {name + Q4SCALE: np.ones((384, 5), np.float32)}, base.__getitem__)


def test_a_plain_delta_reads_as_it_is(tmp_path):
    """Model format 4 shipped every tensor whole (fp16): it still loads, without touching the base."""
    base, tuned = _model(np.random.default_rng(1))
    save_file({k: v.astype(np.float16) for k, v in tuned.items()}, str(tmp_path / "delta.safetensors"))
    save_file({"unrelated": np.zeros(2, np.float32)}, str(tmp_path / "model.safetensors"))
    whole = load_delta(tmp_path / "delta.safetensors", tmp_path)
    assert whole["encoder.layer.8.output.dense.weight"] == pytest.approx(
        tuned["encoder.layer.8.output.dense.weight"], abs=1e-3)


def test_a_delta_for_another_base_or_a_damaged_file_is_refused(tmp_path):
    base, tuned = _model(np.random.default_rng(2))
    packed = pack_delta(tuned, base.__getitem__)
    save_file(packed, str(tmp_path / "delta.safetensors"))
    save_file({"embeddings.word_embeddings.weight": np.zeros((2, 2), np.float32)}, str(tmp_path / "model.safetensors"))
    with pytest.raises(ValueError, match="no tensor encoder.layer.8.*another base model"):
        load_delta(tmp_path / "delta.safetensors", tmp_path)
    lacking = {k: v for k, v in packed.items() if not k.endswith(SCALE)}
    with pytest.raises(ValueError, match="without its .*q8scale"):
        unpack_delta(lacking, base.__getitem__)


def test_calibrate_reports_the_rounding_error_of_each_packing():
    """model.json's `shipped_vs_trained.rounding_error`: int4 rounds more than int8, an untrained delta not at all."""
    from tools.sentiment.calibrate_e5 import rounding_error

    base, tuned = _model(np.random.default_rng(5))
    int8 = rounding_error(tuned, base.__getitem__, pack_delta(tuned, base.__getitem__))
    int4 = rounding_error(tuned, base.__getitem__, pack_delta(tuned, base.__getitem__, bits=4))
    assert 0 < int8["of_change"] < 0.02 < int4["of_change"] < 0.15
    assert int4["of_weights"] < 0.01
    untrained = {k: v.copy() for k, v in base.items()}
    assert rounding_error(untrained, base.__getitem__, pack_delta(untrained, base.__getitem__, bits=4)) == {
        "of_change": 0.0, "of_weights": 0.0}
