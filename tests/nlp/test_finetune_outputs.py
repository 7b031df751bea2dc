"""tools.sentiment.finetune_e5: the frozen layers' cached states, and a run's files written after every epoch."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np
import pytest

from tools.sentiment.calibrate_e5 import held_out_rows
from tools.sentiment.finetune_e5 import Rows, lower_states, write_run


@pytest.mark.parametrize("first", [0, 1, 2])
def test_cached_states_are_the_full_models_hidden_states_after_layer_first(tiny_checkpoint, tmp_path, first):
    """lower_states drops the layers above `first` (they were computed for nothing); what it caches must
    still be exactly what the whole model gives after layer `first`, for every row and token."""
    import torch
    from transformers import AutoModel

    ids = [[2, 7, 9, 3], [2, 11, 3], [2, 5, 6, 8, 10, 3]]
    states, offsets = lower_states(tiny_checkpoint, ids, first, tmp_path)
    model = AutoModel.from_pretrained(tiny_checkpoint).eval()
    assert len(model.encoder.layer) == 2  # the checkpoint itself keeps all its layers
    with torch.inference_mode():
        for i, row in enumerate(ids):
            want = model(input_ids=torch.tensor([row]), output_hidden_states=True).hidden_states[first][0]
            np.testing.assert_allclose(states[offsets[i] : offsets[i + 1]], want.numpy().astype(np.float16),
                                       rtol=1e-3, atol=1e-3)
    again, _ = lower_states(tiny_checkpoint, ids, first, tmp_path)  # from the cache file
    np.testing.assert_array_equal(again, states)
    assert len(list(tmp_path.glob(f"states-{first}-*.npy"))) == 1


def _rows() -> Rows:
    return Rows(texts=["a", "b", "c", "d"], y=np.array([0, 1, 2, 0]), dataset=np.array([0, 0, 1, 1]),
                binary=np.zeros(4, dtype=bool), holdout=np.array([False, True, False, True]),
                names=["x/en", "y/de"])


def _write(out: Path, epochs_done: int) -> None:
    held = np.array([1, 3])
    write_run(out, {"w": np.full((2, 2), float(epochs_done))}, held, np.full((2, 3), float(epochs_done)), _rows(),
              {"epochs": 3, "epochs_done": epochs_done, "datasets": ["x/en", "y/de"]})


def test_each_epochs_write_replaces_the_last_and_leaves_no_partial_files(tmp_path):
    from safetensors.numpy import load_file

    out = tmp_path / "run"
    for epoch in (1, 2):
        _write(out, epoch)
        assert sorted(p.name for p in out.iterdir()) == ["delta.safetensors", "finetune.json", "holdout.npz"]
        assert json.loads((out / "finetune.json").read_text())["epochs_done"] == epoch
        assert load_file(str(out / "delta.safetensors"))["w"][0, 0] == epoch
        held = np.load(out / "holdout.npz")
        np.testing.assert_array_equal(held["index"], [1, 3])
        np.testing.assert_array_equal(held["y"], [1, 0])
        assert held["logits"][0, 0] == epoch


def test_a_write_interrupted_midway_leaves_no_run_rather_than_mismatched_files(tmp_path, monkeypatch):
    """A kill between replacing the weights and the held-out logits is simulated by failing the second
    rename (a real kill cannot be timed that precisely): the directory must then not pass for a run, so
    calibrate_e5 cannot pair epoch 2's weights with epoch 1's logits."""
    out = tmp_path / "run"
    _write(out, 1)
    real_replace = Path.replace

    def replace(self: Path, target):
        if self.name == "holdout.tmp.npz":
            raise KeyboardInterrupt("killed")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        _write(out, 2)
    assert not (out / "finetune.json").exists()
    with pytest.raises(click.ClickException, match="is not a finetune_e5 run"):
        held_out_rows(out)
