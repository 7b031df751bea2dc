"""Per-language class offsets on the stacker's output, fitted for macro-F1 and scored by nested CV.

    python -m tools.sentiment.bias_cv --run DIR [--run DIR ...] [--out docs/bias-cv.json]

Why: the stacker is fitted for log-loss, the targets are macro-F1, and macro-F1 rewards predicting the
rarer classes more often than log-loss does. Adding a per-language offset to the log-probabilities of
neutral and positive (negative stays at 0) is the cheapest correction: no training, and it can ship as six
numbers per language. Whether it helps is measured without dev, on the same held-out train rows and the
same out-of-fold stacker probabilities calibrate_e5 scores: for each of its 5 folds the offsets are chosen
on the other four folds' rows (a grid search per language) and applied to the fold left out, so no row
is scored with offsets its own label helped choose. Nothing is written into the model.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
import numpy as np

from nlp.e5_stacker import ngram_log_probs, stack_inputs
from nlp.lexicon import LEXICON_LANGS
from tools.sentiment.calibrate_e5 import (
    FOLDS,
    SHIPPED_L2,
    HeldOut,
    held_out_rows,
    mean_macro_f1,
    ngram_model,
    stacker_cv,
)
from tools.sentiment.finetune_e5 import NEU, POS, SEED, load_rows, macro_f1_by_dataset

GRID = np.round(np.linspace(-1.5, 1.5, 13), 2)  # offsets to log-probabilities, in steps of 0.25
# Languages with fewer held-out rows get no offsets. Set after the first run with every language
# (min_rows 0): the six small UMSAB sets (about 230 held-out rows each) lost up to 3.7 points to
# offsets chosen on 180 rows, while the sets with over 1,000 rows gained.
MIN_ROWS = 1000


def fit_offsets(log_probs: np.ndarray, h: HeldOut, rows: np.ndarray, grid: np.ndarray = GRID,
                min_rows: int = MIN_ROWS) -> dict[str, np.ndarray]:
    """Per language with at least `min_rows` of `h`'s held-out rows, the offsets (LABELS order) among
    `grid` that maximise the mean macro-F1 of that language's datasets on `rows` (positions in `h`);
    ties keep the offsets nearest to none. Other languages get none."""
    langs = np.array(h.langs)
    out = {}
    for lang in np.unique(langs[rows]):
        if np.sum(langs == lang) < min_rows:
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


def nested_offsets_cv(probs: np.ndarray, h: HeldOut, grid: np.ndarray = GRID,
                      min_rows: int = MIN_ROWS) -> tuple[np.ndarray, list[dict]]:
    """Out-of-fold log-probabilities with offsets chosen on the other folds; and each fold's offsets."""
    from sklearn.model_selection import StratifiedKFold

    log_probs = np.log(np.clip(probs, 1e-12, None))
    out = np.zeros_like(log_probs)
    chosen = []
    langs = np.array(h.langs)
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED + 1)
    for tr, te in folds.split(np.zeros(len(h.y)), h.dataset):
        offsets = fit_offsets(log_probs, h, tr, grid, min_rows)
        out[te] = log_probs[te] + np.stack([offsets.get(str(lang), np.zeros(3)) for lang in langs[te]])
        chosen.append({lang: [round(float(v), 2) for v in o] for lang, o in offsets.items()})
    return out, chosen


@click.command()
@click.option("--run", "run_dirs", type=click.Path(path_type=Path, exists=True, file_okay=False), multiple=True,
              required=True, help="finetune_e5 output, a docs/runs record, or the shipped model")
@click.option("--min-rows", default=MIN_ROWS, show_default=True, type=click.IntRange(min=0),
              help="Only languages with at least this many held-out rows get offsets")
@click.option("--out", "out_path", type=click.Path(path_type=Path), default=None)
def main(run_dirs: tuple[Path, ...], min_rows: int, out_path: Path | None) -> None:
    """Score each run's stacker with and without per-language offsets, by nested CV on held-out train rows."""
    start = time.monotonic()
    rows = load_rows(np.random.default_rng(SEED))
    result = {"method": f"calibrate_e5's 5-fold stacker CV (l2 = {SHIPPED_L2:g}); per-language offsets on "
                        "log-probabilities chosen for mean macro-F1 on the other folds of a second 5-fold "
                        f"split (grid {GRID[0]:+g}..{GRID[-1]:+g} by 0.25), for languages with at least {min_rows} "
                        "held-out rows; dev not read", "runs": {}}
    # The n-gram model reads only the train rows, and every run holds out the same rows (held_out_rows
    # checks): fitted once, as compare_runs does, not once per run.
    ngram = ngram_model(rows.texts, rows.y, np.flatnonzero(~rows.holdout))
    ng = None
    for run_dir in run_dirs:
        h = held_out_rows(run_dir, rows, logits_only=True)
        ng = ngram_log_probs(h.texts, *ngram) if ng is None else ng
        probs = stacker_cv(stack_inputs(h.logits, ng, h.texts, h.langs, LEXICON_LANGS), h, SHIPPED_L2)
        before = mean_macro_f1(rows, h.index, probs)
        shifted, chosen = nested_offsets_cv(probs, h, min_rows=min_rows)
        after = mean_macro_f1(rows, h.index, shifted)
        result["runs"][str(run_dir)] = {"stacker": {"cv_mean_macro_f1": before[0], "by_dataset": before[1]},
                                        "with_offsets": {"cv_mean_macro_f1": after[0], "by_dataset": after[1]},
                                        "offsets_by_fold": chosen}
        click.echo(f"[{time.monotonic() - start:.0f}s] {run_dir}: {before[0]} → {after[0]}", err=True)
    if out_path is not None:
        out_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        click.echo(f"wrote {out_path}", err=True)


if __name__ == "__main__":
    main()
