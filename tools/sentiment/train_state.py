"""A fine-tuning run's whole state in one file, so a run killed at any step resumes where it was saved.

Why: a 12-layer run takes about 2 h in fp32 on a 2-core CPU without native bf16, often more than a
working session has left, and its machine may be kept for the next one. `finetune_e5 --resume` continues
from `<out>/resume.pt`; with the same machine and threads the result is the uninterrupted run's
bit for bit (tests/nlp/test_finetune_resume.py), because everything random is restored: the
weights, AdamW's moments, the learning-rate schedule, torch's generator (dropout) and numpy's
(epoch samples, batch order) as it was when the epoch's batches were drawn.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import click
import numpy as np

RESUME_FILE = "resume.pt"
FORMAT = "groundswell-finetune-resume/1"


def data_key(lengths: np.ndarray, y: np.ndarray, dataset: np.ndarray, holdout: np.ndarray) -> str:
    """A short hash of the rows a run trains on: a resumed run must see the same rows in the same order."""
    h = hashlib.sha256()
    for a in (lengths, y, dataset, holdout):
        h.update(np.ascontiguousarray(a).astype(np.int64).tobytes())
    return h.hexdigest()[:16]


def save_state(path: Path, *, settings: dict, parts: list, epoch: int, step: int, rng_state: dict, running: float,
               model, opt, sched, average, history: list, best: float, kept: dict, seconds: float) -> None:
    """Write the state atomically: a kill during the write leaves the previous state file whole.

    `epoch` (0-based) and `step` say where to go on: the epoch's first `step` batches are done;
    `rng_state` is numpy's generator just before that epoch's rows and batches were drawn; `parts` lists
    where the run started and each resume (epoch, step, machine, precision).
    """
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save({
        "format": FORMAT, "settings": settings, "parts": parts, "epoch": epoch, "step": step, "rng_state": rng_state,
        "running": running, "model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "average": None if average is None else {"steps": average.steps, "state": average.state},
        "history": history, "best": best, "seconds": seconds,
        "kept": None if not kept else {**kept, "logits": torch.from_numpy(kept["logits"])},
    }, tmp)
    tmp.replace(path)


def load_state(path: Path, settings: dict) -> dict | None:
    """The saved state at `path` (None when there is none), refused with one clear error when it is
    damaged or of a run with other settings or data."""
    import torch

    if not path.exists():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - torch raises many kinds on a damaged file; all mean the same here
        why = f"unreadable: {type(e).__name__}"  # torch's own message is a page about weights_only
    else:
        why = None if isinstance(state, dict) and state.get("format") == FORMAT else f"not {FORMAT}"
    if why:
        raise click.ClickException(f"{path}: not a resumable finetune_e5 state ({why}); delete it to start over")
    differ = {k: (state["settings"].get(k), v) for k, v in settings.items() if state["settings"].get(k) != v}
    if differ:
        said = ", ".join(f"{k}: saved {a!r}, now {b!r}" for k, (a, b) in sorted(differ.items()))
        raise click.ClickException(f"{path} is of a run with other settings or data ({said}); run the same "
                                   "command as before, or delete it to start over")
    if state["kept"] is not None:
        state["kept"]["logits"] = state["kept"]["logits"].numpy()
    return state


def restore(state: dict, *, model, opt, sched, average, device: str) -> None:
    """Load the saved weights, optimiser, schedule, weight average and torch generators in place."""
    import torch

    model.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    sched.load_state_dict(state["sched"])
    if average is not None and state["average"] is not None:
        average.steps = state["average"]["steps"]
        average.state = {k: v.to(device) for k, v in state["average"]["state"].items()}
    torch.set_rng_state(state["torch_rng"])
    if device == "cuda" and state["cuda_rng"]:
        torch.cuda.set_rng_state_all(state["cuda_rng"])
