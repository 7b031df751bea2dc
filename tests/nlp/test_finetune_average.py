"""tools.sentiment.finetune_e5.WeightAverage: the moving average of weights that `--ema` scores each epoch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tools.sentiment.finetune_e5 import WeightAverage

REPO = Path(__file__).resolve().parents[2]


def _model(value: float):
    import torch

    model = torch.nn.Linear(2, 1)
    with torch.no_grad():
        model.weight.fill_(value)
        model.bias.fill_(value)
    return model


def test_the_average_follows_the_ramped_decay_step_by_step():
    import torch

    model = _model(0.0)
    average = WeightAverage(model, decay=0.9)
    expected = 0.0
    for step, value in enumerate([1.0, 2.0, 3.0, 4.0] * 25):
        with torch.no_grad():
            model.weight.fill_(value)
        average.update(model)
        rate = min(0.9, (1 + step) / (10 + step))
        expected = rate * expected + (1 - rate) * value
        assert average.state["weight"][0, 0].item() == pytest.approx(expected, rel=1e-6)
    # the bias never moved from 0, so neither does its average
    assert average.state["bias"].abs().max().item() == 0.0
    # the ramp ends at the decay asked for
    assert rate == 0.9


def test_the_first_steps_are_not_pinned_to_the_starting_weights():
    import torch

    model = _model(0.0)
    average = WeightAverage(model, decay=0.999)
    with torch.no_grad():
        model.weight.fill_(1.0)
    average.update(model)
    # a plain 0.999 average would be at 0.001; the ramp (rate 0.1 at step 0) moves 90% of the way
    assert average.state["weight"][0, 0].item() == pytest.approx(0.9)


def test_swapping_the_average_in_and_back_leaves_the_raw_weights_untouched():
    import torch

    model = _model(5.0)
    average = WeightAverage(model, decay=0.5)
    with torch.no_grad():
        model.weight.fill_(7.0)
    raw = average.swapped_in(model)
    assert model.weight[0, 0].item() == 5.0  # the average (no update yet) is the starting weights
    model.load_state_dict(raw)
    assert model.weight[0, 0].item() == 7.0


@pytest.mark.parametrize("decay", [0.0, 1.0, -0.5, 1.5])
def test_a_decay_outside_zero_to_one_is_refused(decay):
    with pytest.raises(ValueError, match="EMA decay must be in"):
        WeightAverage(_model(0.0), decay=decay)


@pytest.mark.parametrize("value", ["1", "1.5", "-0.1", "fast"])
def test_the_command_refuses_a_bad_ema_before_any_work(tmp_path, value):
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "tools.sentiment.finetune_e5", "--out", str(out), "--ema", value],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Invalid value for '--ema'" in proc.stderr
    assert not out.exists()
