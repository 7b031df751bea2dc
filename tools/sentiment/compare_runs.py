"""Is one fine-tuning run's stacker really better than another's? A paired bootstrap of calibrate_e5's CV.

    python -m tools.sentiment.compare_runs --run SHIPPED_RUN --run OTHER_RUN [...] [--out docs/run-comparison.json]

Every `--run` is a directory finetune_e5 wrote, or a model calibrate_e5 wrote (its held-out logits
are then computed with the model as it runs, 1-2 min); the first is the reference: `--run
nlp/models/default` compares with the shipped model on any machine, without its run.
Each run's stacker is scored exactly as `calibrate_e5` scores it (5-fold CV on the held-out train
rows, mean macro-F1 over the 13 sets, l2 = `--l2`; dev is not read). All runs hold out the same
rows, so their out-of-fold predictions are compared row for row: the held-out rows are resampled
with replacement within each dataset (`--resamples` times, fixed seed) and the difference of the two
mean macro-F1s is measured on each resample.

What it says and what it does not: the interval covers the noise of *which rows were held out*.
It does not cover the noise of training itself (another `finetune_e5 --seed`: another initial head,
sample of rows per epoch and batch order); compare two seeds of the same settings to see that one.
An interval that excludes zero is necessary for a replacement, not sufficient.

`--pool N` compares two settings rather than two runs: the first N runs (one setting's seeds) against
the others (another's), each side scored on every resample as the mean over its runs. Averaging seeds
shrinks the training noise the per-run interval leaves out; the spread of the seeds' own CV means is
in the JSON beside it (`pooled`).

`--combine head` scores the compared runs by their e5 head alone (no stacker: what `nlp.sentiment_combine:
head` ships; a temperature never changes a label, so none is fitted) and `--reference-combine head` the
reference side (the first run, or the first N with `--pool`): a setting's head can then be set against
another's stacker on the same rows.
"""

from __future__ import annotations

import time
from pathlib import Path

import click
import numpy as np

from nlp.e5_stacker import ngram_log_probs, stack_inputs
from nlp.lexicon import LEXICON_LANGS
from nlp.model_files import softmax
from tools.result_file import write_result
from tools.sentiment.calibrate_e5 import (
    SHIPPED_L2,
    HeldOut,
    held_out_rows,
    mean_macro_f1,
    ngram_model,
    stacker_cv,
)
from tools.sentiment.finetune_e5 import SEED as TRAIN_SEED
from tools.sentiment.finetune_e5 import Rows, load_rows, macro_f1_by_dataset

SEED = 7
COMBINES = ("stacker", "head")


def difference_text(b: dict) -> str:
    """A paired bootstrap's result (`paired_bootstrap`) as the tools print it: the mean difference, its 90%
    interval and the share of resamples where the run was better."""
    return (f"{b['mean_difference']:+.2f} (90% of resamples in [{b['interval_90'][0]:+.2f}, "
            f"{b['interval_90'][1]:+.2f}]; better on {100 * b['share_better']:.1f}%)")


def paired_bootstrap(rows: Rows, index: np.ndarray, ref: np.ndarray | list[np.ndarray],
                     other: np.ndarray | list[np.ndarray], resamples: int, seed: int = SEED) -> dict:
    """Mean-macro-F1 difference `other` − `ref` (x100) on stratified resamples of the rows `index`.

    `ref` and `other` are per-class scores of the same rows, or lists of them (the runs of two
    settings, e.g. their seeds): a side's score on a resample is then the mean over its runs. Returns the
    mean difference, its 5th and 95th percentiles, whether the whole of that 90% interval is above zero
    (the test the rule for replacing the shipped model applies; taken on the unrounded percentile), and the
    share of resamples on which `other` is strictly better.
    """
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    refs, others = (x if isinstance(x, list) else [x] for x in (ref, other))
    if not refs or not others:
        raise ValueError("each side needs at least one run's scores")
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(rows.dataset[index] == d) for d in np.unique(rows.dataset[index])]

    def score(runs: list[np.ndarray], pick: np.ndarray) -> float:
        return float(np.mean([np.mean(list(macro_f1_by_dataset(rows, index[pick], s[pick]).values())) for s in runs]))

    diffs = np.empty(resamples)
    for r in range(resamples):
        pick = np.concatenate([rng.choice(g, size=len(g), replace=True) for g in groups])
        diffs[r] = score(others, pick) - score(refs, pick)
    low, high = (float(np.percentile(diffs, q)) for q in (5, 95))
    # Judged before rounding: a lower end just below zero prints as -0.0 and is not above zero.
    return {"mean_difference": round(float(diffs.mean()), 2), "interval_90": [round(low, 2), round(high, 2)],
            "interval_90_above_zero": low > 0,
            "share_better": round(float((diffs > 0).mean()), 3), "resamples": resamples}


def scored(h: HeldOut, ngram_logp: np.ndarray | None, combine: str, l2: float) -> np.ndarray:
    """Probabilities of run `h`'s held-out rows as `combine` says: its stacker out of fold (calibrate_e5's CV,
    n-gram inputs `ngram_logp`), or its e5 head alone (softmax of the logits; nothing is fitted)."""
    if combine == "head":
        return softmax(h.logits)
    if combine != "stacker":
        raise ValueError(f"combine must be one of {COMBINES}, got {combine!r}")
    return stacker_cv(stack_inputs(h.logits, ngram_logp, h.texts, h.langs, LEXICON_LANGS), h, l2)


@click.command()
@click.option("--run", "run_dirs", type=click.Path(path_type=Path, exists=True, file_okay=False), multiple=True,
              required=True, help="finetune_e5 output or calibrate_e5 model; the first is the reference")
@click.option("--l2", default=SHIPPED_L2, show_default=True, help="The stacker's l2 (the shipped model's choice)")
@click.option("--resamples", default=1000, show_default=True)
@click.option("--out", "out_path", type=click.Path(path_type=Path), default=None)
@click.option("--pool", "pool_refs", type=click.IntRange(min=1), default=None,
              help="Also compare two settings: the mean over the first N --run (e.g. the reference setting's "
                   "seeds) against the mean over the others")
@click.option("--combine", type=click.Choice(COMBINES), default="stacker", show_default=True,
              help="How the compared runs are scored: their stacker (calibrate_e5's CV) or their e5 head alone")
@click.option("--reference-combine", type=click.Choice(COMBINES), default="stacker", show_default=True,
              help="The same for the reference side (the first run, or the first N with --pool)")
def main(run_dirs: tuple[Path, ...], l2: float, resamples: int, out_path: Path | None,
         pool_refs: int | None = None, combine: str = "stacker", reference_combine: str = "stacker") -> None:
    """Score each run's stacker (or head) by calibrate_e5's CV; bootstrap each run's difference from the first."""
    if len(run_dirs) < 2:
        raise click.UsageError("give at least two --run directories: a reference and one to compare with it")
    if resamples < 1:
        raise click.UsageError(f"--resamples must be at least 1, got {resamples}")
    if pool_refs is not None and pool_refs >= len(run_dirs):
        raise click.UsageError(f"--pool {pool_refs} leaves no run to compare: give more than {pool_refs} --run")
    start = time.monotonic()
    rows = load_rows(np.random.default_rng(TRAIN_SEED))  # once: the same for every run
    held = [held_out_rows(d, rows, logits_only=True) for d in run_dirs]  # each is checked against these rows
    ref = held[0]
    folds = sorted({h.rows.fold for h in held})
    if len(folds) > 1:
        raise click.UsageError(f"these runs hold out different rows (hold-out folds {folds}): compare them row for "
                               "row with python -m tools.sentiment.compare_folds")
    ref_count = pool_refs or 1
    combines = [reference_combine if i < ref_count else combine for i in range(len(run_dirs))]
    ng = (ngram_log_probs(ref.texts, *ngram_model(ref.rows.texts, ref.rows.y, np.flatnonzero(~ref.rows.holdout)))
          if "stacker" in combines else None)  # the heads alone need no n-gram model
    probs = [scored(h, ng, how, l2) for h, how in zip(held, combines, strict=True)]
    runs: dict[str, dict] = {}
    for d, h, p, how in zip(run_dirs, held, probs, combines, strict=True):
        mean, per = mean_macro_f1(h.rows, h.index, p)
        runs[str(d)] = {"combine": how, "cv_mean_macro_f1": mean, "by_dataset": per,
                        "settings": {k: h.info.get(k) for k in ("trained_layers", "epochs", "per_dataset", "lr", "seed",
                                                               "ema", "best_epoch", "kept_weights", "soup_of")}}
        click.echo(f"[{time.monotonic() - start:.0f}s] {d} ({how}): CV mean macro-F1 {mean}", err=True)
    against: dict[str, dict] = {}
    for d, p in zip(run_dirs[1:], probs[1:], strict=True):
        against[str(d)] = paired_bootstrap(ref.rows, ref.index, probs[0], p, resamples)
        b = against[str(d)]
        click.echo(f"[{time.monotonic() - start:.0f}s] {d} − {run_dirs[0]}: {difference_text(b)}", err=True)
    result = {"method": f"calibrate_e5's 5-fold CV on the held-out train rows (stacker, l2 = {l2:g}; or the e5 head "
                        "alone, where `combine` says so); paired bootstrap of the held-out rows within each "
                        "dataset; dev not read",
              "reference": str(run_dirs[0]), "runs": runs, "against_reference": against}
    if pool_refs is not None:
        pooled = paired_bootstrap(ref.rows, ref.index, probs[:pool_refs], probs[pool_refs:], resamples)
        means = [runs[str(d)]["cv_mean_macro_f1"] for d in run_dirs]
        result["pooled"] = {"reference_runs": [str(d) for d in run_dirs[:pool_refs]],
                            "runs": [str(d) for d in run_dirs[pool_refs:]],
                            "reference_cv_means": means[:pool_refs], "cv_means": means[pool_refs:], **pooled}
        click.echo(f"[{time.monotonic() - start:.0f}s] mean of {len(run_dirs) - pool_refs} runs − mean of "
                   f"{pool_refs}: {difference_text(pooled)}", err=True)
    write_result(out_path, result)


if __name__ == "__main__":
    main()
