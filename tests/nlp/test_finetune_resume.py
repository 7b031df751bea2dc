"""finetune_e5 --resume: a run killed at any step and resumed is the uninterrupted run, bit for bit.

The runs are real (multilingual-e5-small's top layer trained on a few rows packed as on a GPU
machine); only the kill is injected, by making the loss raise on a chosen step, because a real
SIGKILL at a chosen step cannot be arranged from a test.
"""

from __future__ import annotations

import json

import click
import numpy as np
import pytest
from safetensors.numpy import load_file

from nlp.e5_weights import ensure_checkpoint, q4_weights_path
from tools.sentiment import finetune_e5
from tools.sentiment.gpu_inputs import pack_inputs
from tools.sentiment.train_rows import SEED, Rows, holdout_mask, tokenize
from tools.sentiment.train_state import RESUME_FILE

TEXTS = ["Worst customer service ever, still no refund", "배터리가 너무 빨리 닳아요", "电池起火了，太可怕了",
         "Отличный телефон", "Adoro questo telefono", "Me encanta", "Le service client ne répond pas",
         "Der Akku ist nach einem Tag kaputt", "O app caiu de novo", "الخدمة سيئة جدا", "New colours out today",
         "The update ships on Monday"]
STEPS_PER_EPOCH = 8  # --per-dataset 16 rows of each of 2 datasets, batches of 4


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """40 rows of two datasets (three classes each), packed as tools.sentiment.gpu_inputs packs ../shared."""
    checkpoint = ensure_checkpoint()
    pad_id = json.loads((checkpoint / "config.json").read_text(encoding="utf-8"))["pad_token_id"]
    texts = [f"{TEXTS[i % len(TEXTS)]} #{i}" for i in range(40)]
    y = np.array([i % 3 for i in range(40)])
    dataset = np.array([0] * 20 + [1] * 20)
    rng = np.random.default_rng(SEED)
    holdout = np.concatenate([holdout_mask(y[dataset == d], rng) for d in (0, 1)])
    rows = Rows(texts, y, dataset, np.zeros(40, dtype=bool), holdout, ["a/xx", "b/yy"])
    path = tmp_path_factory.mktemp("resume") / "inputs.npz"
    pack_inputs(rows, tokenize(checkpoint, rows.texts), q4_weights_path(), pad_id, path)
    return path


@pytest.fixture(scope="module")
def train(inputs, tmp_path_factory):
    """Run finetune_e5 in this process (so a step can be made to fail); torch's thread count restored after."""
    import torch

    threads = torch.get_num_threads()
    work = tmp_path_factory.mktemp("work")

    def run(out, *extra: str) -> None:
        finetune_e5.main.main(
            ["--out", str(out), "--work", str(work), "--inputs", str(inputs), "--top-layers", "1", "--epochs", "2",
             "--per-dataset", "16", "--batch-size", "4", "--threads", "1", "--precision", "fp32",
             "--device", "cpu", "--seed", "5", *extra], standalone_mode=False)

    yield run
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def straight(train, tmp_path_factory):
    """The uninterrupted run every resumed one must equal (tests must not write into it)."""
    out = tmp_path_factory.mktemp("straight") / "run"
    train(out)
    return out


class Killed(Exception):
    """What the injected kill raises (click would turn a KeyboardInterrupt into its own Abort)."""


def killed_at(monkeypatch, step: int) -> None:
    """Make the loss of training step `step` (1-based, counted over the run) raise, as a kill there would stop it."""
    real, calls = finetune_e5.loss_fn, []

    def loss_fn(*args):
        calls.append(1)
        if len(calls) == step:
            raise Killed(f"killed at step {step}")
        return real(*args)

    monkeypatch.setattr(finetune_e5, "loss_fn", loss_fn)


def outputs(out) -> tuple[dict, dict, dict]:
    info = json.loads((out / "finetune.json").read_text(encoding="utf-8"))
    with np.load(out / "holdout.npz") as z:
        held = {k: z[k] for k in z.files}
    return info, held, load_file(str(out / "delta.safetensors"))


def assert_same_run(a, b) -> None:
    (info_a, held_a, delta_a), (info_b, held_b, delta_b) = outputs(a), outputs(b)
    for info in (info_a, info_b):
        info.pop("train_seconds")
        info.pop("resumed", None)
        for epoch in info["history"]:
            epoch.pop("seconds")
    assert info_a == info_b
    assert held_a.keys() == held_b.keys() and all(np.array_equal(held_a[k], held_b[k]) for k in held_a)
    assert delta_a.keys() == delta_b.keys() and all(np.array_equal(delta_a[k], delta_b[k]) for k in delta_a)


@pytest.mark.parametrize("kill", [3, STEPS_PER_EPOCH, STEPS_PER_EPOCH + 1, STEPS_PER_EPOCH + 6])
def test_a_run_killed_at_any_step_and_resumed_is_the_uninterrupted_run(train, straight, tmp_path, monkeypatch, kill):
    out = tmp_path / "killed"
    with monkeypatch.context() as patch:
        killed_at(patch, kill)
        with pytest.raises(Killed):
            train(out, "--save-minutes", "0")
    assert (out / RESUME_FILE).exists()
    assert (out / "finetune.json").exists() == (kill > STEPS_PER_EPOCH)  # epoch 1's outputs once it is done
    train(out, "--save-minutes", "0", "--resume")
    assert_same_run(straight, out)
    info = json.loads((out / "finetune.json").read_text(encoding="utf-8"))
    done = kill - 1  # steps whose loss was taken before the kill
    assert info["resumed"] == [{"epoch": done // STEPS_PER_EPOCH + 1, "step": done % STEPS_PER_EPOCH,
                                "machine": info["machine"], "precision": "fp32"}]
    assert info["train_seconds"] >= info["history"][-1]["seconds"] > 0
    assert not (out / RESUME_FILE).exists()  # the run is whole: nothing to resume


def test_without_resume_a_killed_run_starts_over_and_is_still_the_same_run(train, straight, tmp_path, monkeypatch):
    out = tmp_path / "again"
    with monkeypatch.context() as patch:
        killed_at(patch, 5)
        with pytest.raises(Killed):
            train(out, "--save-minutes", "0")
    train(out)
    assert_same_run(straight, out)
    assert "resumed" not in json.loads((out / "finetune.json").read_text(encoding="utf-8"))


def test_resuming_a_complete_run_does_nothing(train, straight, capsys):
    before = {p.name: p.read_bytes() for p in straight.iterdir()}
    train(straight, "--resume")
    assert "complete: nothing to resume" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in straight.iterdir()} == before


def test_a_state_of_other_settings_or_a_damaged_one_is_one_clear_error(train, tmp_path, monkeypatch):
    out = tmp_path / "killed"
    with monkeypatch.context() as patch:
        killed_at(patch, 4)
        with pytest.raises(Killed):
            train(out, "--save-minutes", "0")
    with pytest.raises(click.ClickException, match=r"other settings or data \(lr: saved 8e-05, now 0\.0001\)"):
        train(out, "--resume", "--lr", "1e-4")
    (out / RESUME_FILE).write_bytes(b"not a torch file")
    with pytest.raises(click.ClickException, match=r"not a resumable finetune_e5 state \(unreadable: \w+\); "
                                                   "delete it to start over"):
        train(out, "--resume")
    import torch

    torch.save({"format": "something else"}, out / RESUME_FILE)
    with pytest.raises(click.ClickException, match="state \\(not groundswell-finetune-resume/1\\)"):
        train(out, "--resume")
