"""Is one setting better than another, cross-validated over hold-out folds? A paired bootstrap on more rows.

    python -m tools.sentiment.compare_folds --reference RUN_FOLD_0 --reference RUN_FOLD_1 ... \\
        --run RUN_FOLD_0 --run RUN_FOLD_1 ... [--out docs/fold-comparison.json]

Why: compare_runs scores every run on the one hold-out all runs share (15% of the train rows, 8,742
rows), and resampling those rows moves a difference between two settings by about ±0.6, as much as the
gain of training all 12 layers. More seeds do not shrink that: they are scored on the same rows.
`finetune_e5 --fold K` holds out another 15% slice of every (split, label) stratum (train_rows.FOLDS:
six disjoint folds, fold 0 the old hold-out), so one run per fold per setting gives each setting
out-of-fold predictions on up to 90% of the train rows.

Each side gives one run (a finetune_e5 --out folder, or for fold 0 a calibrate_e5 model such as
nlp/models/default) per fold, the same folds on both sides; a run's fold is its finetune.json's
`holdout_fold` (0 when absent). Each run is scored on its own fold's held-out rows exactly as
compare_runs scores it (its stacker by calibrate_e5's 5-fold CV within those rows, with the n-gram model
fitted on that fold's other rows; or its e5 head alone). Folds are disjoint, so a side's scores of all
its folds are one set of out-of-fold predictions: the mean macro-F1 over the 13 sets is taken on their
union, and compare_runs.paired_bootstrap resamples the union's rows within each dataset. Dev is not read.
"""

from __future__ import annotations

import time
from pathlib import Path

import click
import numpy as np

from nlp.e5_stacker import ngram_log_probs
from tools.result_file import write_result
from tools.sentiment.calibrate_e5 import SHIPPED_L2, HeldOut, held_out_rows, mean_macro_f1, ngram_model, run_files
from tools.sentiment.compare_runs import COMBINES, difference_text, paired_bootstrap, scored
from tools.sentiment.train_rows import SEED, Rows, load_rows


def run_fold(run_dir: Path) -> int:
    """The hold-out fold a run (or a calibrated model) was trained with."""
    info, _ = run_files(run_dir, logits_only=True)
    return int(info.get("holdout_fold", 0))


def folds_of(side: str, run_dirs: tuple[Path, ...]) -> dict[int, Path]:
    """{fold: run} of one side; two runs of one fold is an error (a side is one run per fold)."""
    out: dict[int, Path] = {}
    for d in run_dirs:
        fold = run_fold(d)
        if fold in out:
            raise click.UsageError(f"{side}: {out[fold]} and {d} both hold out fold {fold}; give one run per fold")
        out[fold] = d
    return out


def union(parts: list[tuple[HeldOut, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The rows and scores of several folds' held-out parts, one after the other (folds are disjoint)."""
    index = np.concatenate([h.index for h, _ in parts])
    if len(np.unique(index)) != len(index):
        raise ValueError("the folds' held-out rows overlap: they are not folds of one split")
    return index, np.concatenate([p for _, p in parts])


@click.command()
@click.option("--reference", "ref_dirs", type=click.Path(path_type=Path, exists=True, file_okay=False),
              multiple=True, required=True, help="The reference setting's run of each fold")
@click.option("--run", "run_dirs", type=click.Path(path_type=Path, exists=True, file_okay=False), multiple=True,
              required=True, help="The compared setting's run of each fold (the same folds)")
@click.option("--l2", default=SHIPPED_L2, show_default=True, help="The stacker's l2 (the shipped model's choice)")
@click.option("--resamples", default=1000, show_default=True)
@click.option("--combine", type=click.Choice(COMBINES), default="stacker", show_default=True,
              help="How the compared runs are scored: their stacker (calibrate_e5's CV) or their e5 head alone")
@click.option("--reference-combine", type=click.Choice(COMBINES), default="stacker", show_default=True,
              help="The same for the reference runs")
@click.option("--out", "out_path", type=click.Path(path_type=Path), default=None)
def main(ref_dirs: tuple[Path, ...], run_dirs: tuple[Path, ...], l2: float, resamples: int, combine: str,
         reference_combine: str, out_path: Path | None) -> None:
    """Score each side's runs on their own folds; bootstrap the difference on the union of the folds' rows."""
    if resamples < 1:
        raise click.UsageError(f"--resamples must be at least 1, got {resamples}")
    ref_folds, run_folds = folds_of("--reference", ref_dirs), folds_of("--run", run_dirs)
    if sorted(ref_folds) != sorted(run_folds):
        raise click.UsageError(f"the two sides cover different folds ({sorted(ref_folds)} and {sorted(run_folds)}): "
                               "give each side one run of every fold compared")
    start = time.monotonic()
    sides: dict[str, list[tuple[HeldOut, np.ndarray]]] = {"reference": [], "run": []}
    per_fold: dict[str, dict] = {}
    rows: Rows | None = None
    for fold in sorted(ref_folds):
        rows = load_rows(np.random.default_rng(SEED), fold)  # train rows and this fold's hold-out
        pair = {"reference": (ref_folds[fold], reference_combine), "run": (run_folds[fold], combine)}
        held = {side: held_out_rows(d, rows, logits_only=True) for side, (d, _) in pair.items()}
        ng = None
        if "stacker" in (combine, reference_combine):  # the n-gram model of this fold's train rows
            ng = ngram_log_probs(held["run"].texts, *ngram_model(rows.texts, rows.y, np.flatnonzero(~rows.holdout)))
        entry = {"held_out_rows": int(rows.holdout.sum())}
        for side, (d, how) in pair.items():
            probs = scored(held[side], ng, how, l2)
            sides[side].append((held[side], probs))
            mean, _ = mean_macro_f1(rows, held[side].index, probs)
            entry[side] = {"dir": str(d), "combine": how, "cv_mean_macro_f1": mean}
        entry["difference"] = round(entry["run"]["cv_mean_macro_f1"] - entry["reference"]["cv_mean_macro_f1"], 2)
        per_fold[str(fold)] = entry
        click.echo(f"[{time.monotonic() - start:.0f}s] fold {fold}: {entry['reference']['cv_mean_macro_f1']} → "
                   f"{entry['run']['cv_mean_macro_f1']} ({entry['difference']:+.2f})", err=True)
    assert rows is not None  # at least one fold: both sides are required and non-empty
    (index, ref_probs), (run_index, run_probs) = union(sides["reference"]), union(sides["run"])
    if not np.array_equal(index, run_index):
        raise click.ClickException("the two sides' runs of one fold hold out different rows")
    totals = {}
    for side, probs in (("reference", ref_probs), ("run", run_probs)):
        mean, per = mean_macro_f1(rows, index, probs)
        totals[side] = {"cv_mean_macro_f1": mean, "by_dataset": per}
    boot = paired_bootstrap(rows, index, ref_probs, run_probs, resamples)
    click.echo(f"[{time.monotonic() - start:.0f}s] {len(per_fold)} folds, {len(index)} rows: "
               f"{totals['reference']['cv_mean_macro_f1']} → {totals['run']['cv_mean_macro_f1']}, "
               f"{difference_text(boot)}", err=True)
    result = {"method": f"each run scored on its own hold-out fold as compare_runs scores it (stacker: "
                        f"calibrate_e5's 5-fold CV within the fold, l2 = {l2:g}, n-grams fitted on the fold's "
                        "other rows; or the e5 head alone, where `combine` says so); the folds' out-of-fold "
                        "predictions joined, macro-F1 per dataset on the union, paired bootstrap of its rows "
                        "within each dataset; dev not read",
              "folds": sorted(ref_folds), "rows": int(len(index)), "per_fold": per_fold, **totals,
              "difference": boot}
    write_result(out_path, result)


if __name__ == "__main__":
    main()
