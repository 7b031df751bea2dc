"""tools.sentiment.soup_runs: the weight average of fine-tuning runs, loaded back as a model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import pytest

from tools.sentiment.soup_runs import average, check_compatible, soup_model

REPO = Path(__file__).resolve().parents[2]
CONFIG = {"hidden_size": 32, "num_attention_heads": 4, "intermediate_size": 64, "num_hidden_layers": 3,
          "layer_norm_eps": 1e-12}
FIRST = 1  # layers 1 and 2 trained, as the shipped run trains the top 4 of 12


def _trained(seed: int):
    """An E5Top whose layers and head were moved away from the common base by a seed of its own."""
    import torch

    from tools.sentiment.e5_layers import E5Top

    torch.manual_seed(0)
    model = E5Top(CONFIG, FIRST)  # the same starting weights for every seed: the "pretrained" base
    base = {k: v for k, v in model.delta().items() if k.startswith("encoder.")}
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return model.eval(), base


def _logits(model, seed: int = 5):
    import torch

    rng = np.random.default_rng(seed)
    x = torch.from_numpy(rng.normal(size=(3, 6, CONFIG["hidden_size"])).astype(np.float32))
    mask = torch.ones(3, 6)
    mask[1, 4:] = 0
    with torch.inference_mode():
        return model(x, mask).numpy()


def test_a_soup_of_one_run_with_itself_is_that_run():
    model, base = _trained(seed=1)
    delta = model.delta()
    soup = soup_model(CONFIG, FIRST, base, average([delta, delta]))
    np.testing.assert_allclose(_logits(soup), _logits(model), rtol=1e-5, atol=1e-6)


def test_a_soup_holds_the_mean_of_every_weight_head_included():
    (a, base), (b, _) = _trained(seed=1), _trained(seed=2)
    soup = soup_model(CONFIG, FIRST, base, average([a.delta(), b.delta()])).delta()
    da, db = a.delta(), b.delta()
    assert set(soup) == set(da)
    for name in da:
        np.testing.assert_allclose(soup[name], (da[name] + db[name]) / 2, rtol=1e-6, atol=1e-7, err_msg=name)
    assert not np.allclose(_logits(a), _logits(b))  # the two runs really differ


def test_runs_holding_different_tensors_are_refused():
    a = {"encoder.layer.8.x": np.zeros(2), "head.weight": np.zeros(2)}
    b = {"encoder.layer.0.x": np.zeros(2), "head.weight": np.zeros(2)}
    with pytest.raises(click.ClickException, match="different tensors"):
        average([a, b])


@pytest.mark.parametrize("key,other", [("trained_layers", [0, 1, 2, 3]), ("held_out_rows", 8000),
                                       ("max_tokens", 512)])
def test_runs_that_cannot_be_averaged_or_compared_row_for_row_are_refused(key, other):
    info = {"trained_layers": [8, 9, 10, 11], "max_tokens": 128, "query_prefix": "query: ", "holdout": 0.15,
            "datasets": ["a/en"], "held_out_rows": 8742}
    check_compatible([info, dict(info)])
    with pytest.raises(click.ClickException, match=f"runs differ in {key}"):
        check_compatible([info, {**info, key: other}])


def test_the_command_needs_two_runs(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tools.sentiment.soup_runs", "--run", str(tmp_path),
                           "--out", str(tmp_path / "soup")], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "give at least two --run directories" in proc.stderr
