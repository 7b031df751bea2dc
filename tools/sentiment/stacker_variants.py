"""Variants of the e5 stacker, compared by calibrate_e5's cross-validation; nothing is written into the model.

    python -m tools.sentiment.stacker_variants --run DIR [--out docs/stacker-variants.json]

`DIR` is what tools/sentiment/finetune_e5.py wrote, or the shipped model itself (`--run nlp/models/default`:
its held-out logits are then computed with it, as compare_runs does).
Every variant is fitted and scored exactly as `calibrate_e5` scores its candidates: 5-fold CV on the
held-out train rows, mean macro-F1 over the 13 sets; dev is not read. The variants:

- `shipped`: the stacker as calibrate_e5 fits it (l2 = 1e-2);
- `ngram(...)`: the n-gram model fitted with another regularisation or loss;
- `head unpenalised(l2)`: the shared block's e5 logits and intercept left out of the l2 term, so a
  strong l2 shrinks the corrections towards the e5 head rather than towards nothing;
- `+ features(scale)`: per-language copies of the fine-tuned layers' 384 pooled features (what the head
  reads; standardised, scaled: a smaller scale is a stronger prior);
- `+ base embedding(scale)`: the same with the untouched e5 sentence embedding (computed in the
  pipeline's pass for themes anyway).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

import click
import numpy as np

from nlp.e5_encoder import E5Encoder
from nlp.e5_stacker import ngram_log_probs, stack_inputs
from nlp.lexicon import LEXICON_LANGS
from nlp.model_files import LANG_GROUPS, lang_group
from tools.sentiment.calibrate_e5 import SHIPPED_L2, held_out_rows, mean_macro_f1, ngram_model, stacker_cv

SHARED_FREE = (0, 1, 2, 6)  # the shared block: e5 logits (3), n-gram log-probabilities (3), 1


def language_blocks(features: np.ndarray, langs: Sequence[str], scale: float) -> np.ndarray:
    """Per-language-group copies of standardised `features` × `scale` (zeros outside a row's group)."""
    z = (features - features.mean(0)) / np.maximum(features.std(0), 1e-6) * scale
    out = np.zeros((len(langs), z.shape[1] * len(LANG_GROUPS)))
    for row, lang in enumerate(langs):
        g = LANG_GROUPS.index(lang_group(lang))
        out[row, g * z.shape[1] : (g + 1) * z.shape[1]] = z[row]
    return out


@click.command()
@click.option("--run", "run_dir", type=click.Path(path_type=Path, exists=True), required=True)
@click.option("--model", "model_dir", type=click.Path(path_type=Path, exists=True), default=Path("nlp/models/default"),
              show_default=True, help="Where the run's packed delta is (for the features and embeddings)")
@click.option("--out", "out_path", type=click.Path(path_type=Path), default=None)
def main(run_dir: Path, model_dir: Path, out_path: Path | None) -> None:
    """Score the stacker variants by calibrate_e5's CV on RUN's held-out rows."""
    start = time.monotonic()
    h = held_out_rows(run_dir, logits_only=True)
    info, rows, index, logits, texts, langs = h.info, h.rows, h.index, h.logits, h.texts, h.langs
    train = np.flatnonzero(~rows.holdout)

    def score(x: np.ndarray, l2: float = SHIPPED_L2, free: np.ndarray | None = None) -> dict:
        mean, per = mean_macro_f1(rows, index, stacker_cv(x, h, l2, free))
        return {"cv_mean_macro_f1": mean, "by_dataset": per}

    results: dict[str, dict] = {}

    def report(name: str, result: dict) -> None:
        results[name] = result
        click.echo(f"[{time.monotonic() - start:.0f}s] {name:34s} {result['cv_mean_macro_f1']}", err=True)

    ng = ngram_log_probs(texts, *ngram_model(rows.texts, rows.y, train))
    x = stack_inputs(logits, ng, texts, langs, LEXICON_LANGS)
    report("shipped", score(x))
    for alpha, loss in ((3e-6, "modified_huber"), (3e-5, "modified_huber"), (1e-5, "log_loss")):
        ng_v = ngram_log_probs(texts, *ngram_model(rows.texts, rows.y, train, alpha, loss))
        report(f"ngram(alpha={alpha:g}, {loss})", score(stack_inputs(logits, ng_v, texts, langs, LEXICON_LANGS)))
    free = np.zeros(x.shape[1], dtype=bool)
    free[list(SHARED_FREE)] = True
    for l2 in (1e-2, 3e-2, 1e-1):
        report(f"head unpenalised(l2={l2:g})", score(x, l2, free))
    encoder = E5Encoder(model_dir / "delta.safetensors", info["trained_layers"][0], embeddings=True)
    base, features = encoder.encode(texts, progress=True)
    for name, block in (("features", features), ("base embedding", base)):
        for scale in (0.03, 0.1):
            report(f"+ {name}(scale={scale:g})", score(np.hstack([x, language_blocks(block, langs, scale)])))
    if out_path is not None:
        out_path.write_text(json.dumps({
            "run": str(run_dir), "method": "calibrate_e5's 5-fold CV on the held-out train rows; dev not read",
            "variants": results}, indent=2) + "\n", encoding="utf-8")
        click.echo(f"wrote {out_path}", err=True)


if __name__ == "__main__":
    main()
