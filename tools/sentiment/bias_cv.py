"""Per-language class offsets on the stacker's output, fitted for macro-F1 and scored by nested CV.

    python -m tools.sentiment.bias_cv --run DIR [--run DIR ...] [--langs ru] [--out docs/bias-cv.json]

Why: the stacker is fitted for log-loss, the targets are macro-F1, and macro-F1 rewards predicting the
rarer classes more often than log-loss does. Adding a per-language offset to the log-probabilities of
neutral and positive (negative stays at 0) is the cheapest correction: no training, and it can ship as six
numbers per language. Whether it helps is measured without dev, on the same held-out train rows and the
same out-of-fold stacker probabilities calibrate_e5 scores: for each of its 5 folds the offsets are chosen
on the other four folds' rows (a grid search per language) and applied to the fold left out, so no row
is scored with offsets its own label helped choose. Nothing is written into the model.

`--langs` limits the offsets to those languages. Runs of different hold-out folds (finetune_e5 --fold;
each scored on its own fold's rows, with the n-gram model of that fold's train rows) are also joined:
their folds are disjoint, so with and without offsets are compared on the union of their rows by
compare_runs.paired_bootstrap, over all sets and over the sets of the offset languages (`union`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import click
import numpy as np

from nlp.e5_stacker import ngram_log_probs, stack_inputs
from nlp.lexicon import LEXICON_LANGS
from tools.result_file import write_result
from tools.sentiment.calibrate_e5 import (
    FOLDS,
    SHIPPED_L2,
    HeldOut,
    held_out_rows,
    mean_macro_f1,
    ngram_model,
    stacker_cv,
)
from tools.sentiment.compare_folds import run_fold, union
from tools.sentiment.compare_runs import difference_text, paired_bootstrap
from tools.sentiment.finetune_e5 import NEU, POS, SEED, Rows, load_rows, macro_f1_by_dataset

GRID = np.round(np.linspace(-1.5, 1.5, 13), 2)  # offsets to log-probabilities, in steps of 0.25
# Languages with fewer held-out rows get no offsets. Set after the first run with every language
# (min_rows 0): the six small UMSAB sets (about 230 held-out rows each) lost up to 3.7 points to
# offsets chosen on 180 rows, while the sets with over 1,000 rows gained.
MIN_ROWS = 1000


def fit_offsets(log_probs: np.ndarray, h: HeldOut, rows: np.ndarray, grid: np.ndarray = GRID,
                min_rows: int = MIN_ROWS, only: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Per language with at least `min_rows` of `h`'s held-out rows (and among `only`, when given), the
    offsets (LABELS order) among `grid` that maximise the mean macro-F1 of that language's datasets on
    `rows` (positions in `h`); ties keep the offsets nearest to none. Other languages get none."""
    langs = np.array(h.langs)
    out = {}
    for lang in np.unique(langs[rows]):
        if np.sum(langs == lang) < min_rows or (only is not None and lang not in only):
            continue
        mine = rows[langs[rows] == lang]
        best, best_key = None, None
        for neu in grid:
            for pos in grid:
                shifted = log_probs[mine] + offset_vector(neu, pos)
                score = float(np.mean(list(macro_f1_by_dataset(h.rows, h.index[mine], shifted).values())))
                key = (score, -(abs(neu) + abs(pos)))
                if best_key is None or key > best_key:
                    best, best_key = offset_vector(neu, pos), key
        out[str(lang)] = best
    return out


def offset_vector(neutral: float, positive: float) -> np.ndarray:
    """Offsets in LABELS order: negative stays at 0 (only differences between classes matter)."""
    vec = np.zeros(3)
    vec[NEU], vec[POS] = neutral, positive
    return vec


def nested_offsets_cv(probs: np.ndarray, h: HeldOut, grid: np.ndarray = GRID, min_rows: int = MIN_ROWS,
                      only: Sequence[str] | None = None) -> tuple[np.ndarray, list[dict]]:
    """Out-of-fold log-probabilities with offsets chosen on the other folds; and each fold's offsets."""
    from sklearn.model_selection import StratifiedKFold

    log_probs = np.log(np.clip(probs, 1e-12, None))
    out = np.zeros_like(log_probs)
    chosen = []
    langs = np.array(h.langs)
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED + 1)
    for tr, te in folds.split(np.zeros(len(h.y)), h.dataset):
        offsets = fit_offsets(log_probs, h, tr, grid, min_rows, only)
        out[te] = log_probs[te] + np.stack([offsets.get(str(lang), np.zeros(3)) for lang in langs[te]])
        chosen.append({lang: [round(float(v), 2) for v in o] for lang, o in offsets.items()})
    return out, chosen


def union_test(parts: list[tuple[HeldOut, np.ndarray, np.ndarray]], langs: Sequence[str] | None,
               resamples: int) -> dict:
    """Runs of disjoint folds, (held-out rows, stacker log-probabilities, with offsets) each: both joined,
    and with − without bootstrapped over all sets and over the sets of `langs` (all when None)."""
    index, before = union([(h, b) for h, b, _ in parts])
    _, after = union([(h, a) for h, _, a in parts])
    rows = parts[-1][0].rows  # the same train rows for every fold; only the hold-out differs
    out = {"folds": [int(h.info.get("holdout_fold", 0)) for h, _, _ in parts], "rows": int(len(index)),
           "all_sets": paired_bootstrap(rows, index, before, after, resamples)}
    if langs:
        mine = np.isin(rows.dataset[index], [d for d, n in enumerate(rows.names) if n.split("/")[1] in langs])
        out["sets_of_" + "+".join(langs)] = {
            "sets": sorted({rows.names[d] for d in rows.dataset[index[mine]]}),
            "without": mean_macro_f1(rows, index[mine], before[mine])[0],
            "with": mean_macro_f1(rows, index[mine], after[mine])[0],
            **paired_bootstrap(rows, index[mine], before[mine], after[mine], resamples)}
    return out


@click.command()
@click.option("--run", "run_dirs", type=click.Path(path_type=Path, exists=True, file_okay=False), multiple=True,
              required=True, help="finetune_e5 output, a docs/runs record, or the shipped model")
@click.option("--min-rows", default=MIN_ROWS, show_default=True, type=click.IntRange(min=0),
              help="Only languages with at least this many held-out rows get offsets")
@click.option("--langs", "only", multiple=True, help="Only these languages get offsets (e.g. --langs ru)")
@click.option("--resamples", default=1000, show_default=True, type=click.IntRange(min=1),
              help="Bootstrap resamples of the union of runs of different folds")
@click.option("--out", "out_path", type=click.Path(path_type=Path), default=None)
def main(run_dirs: tuple[Path, ...], min_rows: int, only: tuple[str, ...], resamples: int,
         out_path: Path | None) -> None:
    """Score each run's stacker with and without per-language offsets, by nested CV on held-out train rows."""
    start = time.monotonic()
    langs = list(only) or None
    folds = [run_fold(d) for d in run_dirs]
    if len(set(folds)) > 1 and len(set(folds)) < len(folds):
        raise click.UsageError(f"runs of several folds must be one per fold to be joined (folds: {folds})")
    which = f"languages {', '.join(langs)}" if langs else "languages"
    result = {"method": f"calibrate_e5's 5-fold stacker CV (l2 = {SHIPPED_L2:g}); per-language offsets on "
                        "log-probabilities chosen for mean macro-F1 on the other folds of a second 5-fold "
                        f"split (grid {GRID[0]:+g}..{GRID[-1]:+g} by 0.25), for {which} with at least {min_rows} "
                        "held-out rows; n-grams fitted on each run's own train rows; dev not read", "runs": {}}
    # The n-gram model reads only train rows outside the hold-out: once per fold, shared by that fold's runs.
    rows_of: dict[int, Rows] = {}
    ngrams: dict[int, np.ndarray] = {}
    parts = []
    for run_dir, fold in zip(run_dirs, folds, strict=True):
        if fold not in rows_of:  # the same rows for every run of one fold: loaded once
            rows_of[fold] = load_rows(np.random.default_rng(SEED), fold)
        rows = rows_of[fold]
        h = held_out_rows(run_dir, rows, logits_only=True)
        if fold not in ngrams:
            ngrams[fold] = ngram_log_probs(h.texts, *ngram_model(rows.texts, rows.y, np.flatnonzero(~rows.holdout)))
        probs = stacker_cv(stack_inputs(h.logits, ngrams[fold], h.texts, h.langs, LEXICON_LANGS), h, SHIPPED_L2)
        before = mean_macro_f1(rows, h.index, probs)
        shifted, chosen = nested_offsets_cv(probs, h, min_rows=min_rows, only=langs)
        after = mean_macro_f1(rows, h.index, shifted)
        parts.append((h, np.log(np.clip(probs, 1e-12, None)), shifted))
        result["runs"][str(run_dir)] = {"holdout_fold": fold,
                                        "stacker": {"cv_mean_macro_f1": before[0], "by_dataset": before[1]},
                                        "with_offsets": {"cv_mean_macro_f1": after[0], "by_dataset": after[1]},
                                        "offsets_by_fold": chosen}
        click.echo(f"[{time.monotonic() - start:.0f}s] {run_dir} (fold {fold}): {before[0]} → {after[0]}", err=True)
    if len(set(folds)) > 1:
        result["union"] = union_test(parts, langs, resamples)
        for key, b in result["union"].items():
            if isinstance(b, dict) and "interval_90" in b:
                click.echo(f"[{time.monotonic() - start:.0f}s] union of folds {sorted(set(folds))}, {key}: "
                           f"{difference_text(b)}", err=True)
    write_result(out_path, result)


if __name__ == "__main__":
    main()
