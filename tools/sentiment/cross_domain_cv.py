"""Does the stacker's gain carry to a domain it was not fitted on? Leave one dataset out, train rows only.

    python -m tools.sentiment.cross_domain_cv --run nlp/models/default --out docs/cross-domain-cv.json

The stacker was chosen by calibrate_e5's 5-fold CV on held-out train rows, where every fold has rows of
the same datasets it is scored on. The product reads brand posts, a domain none of them is. Two
languages have two datasets from different domains: Chinese (smp2020: Weibo posts; ChnSentiCorp:
hotel reviews) and Russian (rusentitweet: general tweets; SentiRuEval 2016: tweets about banks and
telecoms). For each of those four datasets D, the n-gram model is fitted on the train rows of every
other dataset and the stacker on the held-out rows of every other dataset; both are then scored on D's
held-out rows against the e5 head alone. The head was fine-tuned on D's train rows too, so this
measures only how the stacker's own parts (n-grams, per-language weights) carry to a new domain of a
language they know. Beside it, the same rows' in-domain figures (calibrate_e5's CV) and the stacker's
margin over the head with a paired-bootstrap 95% interval. Dev is not read; nothing is written into
the model.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import click
import numpy as np

from nlp.e5_stacker import fit_stacker, ngram_log_probs, stack_inputs
from nlp.lexicon import LEXICON_LANGS
from nlp.model_files import LABELS, softmax
from tools.result_file import write_result
from tools.sentiment.calibrate_e5 import (
    SEED,
    SHIPPED_L2,
    HeldOut,
    held_out_rows,
    mean_macro_f1,
    ngram_model,
    stacker_cv,
)
from tools.sentiment.evaluate import decide, macro_f1_margin, scores
from tools.sentiment.train_rows import load_rows

METHOD = ("per left-out dataset: n-gram model fitted on the other datasets' train rows, stacker (l2 = "
          f"{SHIPPED_L2:g}) on their held-out rows, scored on its held-out rows against the e5 head alone; "
          "in-domain: calibrate_e5's 5-fold CV; dev not read")
# Datasets of a language that has another dataset from another domain.
LEFT_OUT = ("chnsenticorp_htl/zh", "smp2020_ewect/zh", "rusentitweet/ru", "sentirueval2016/ru")


def score_rows(h: HeldOut, sel: np.ndarray, probs: np.ndarray, head: np.ndarray) -> dict:
    """Macro-F1 of the stacker's and the head's labels on held-out rows `sel` (one dataset), and the margin."""
    binary = bool(h.binary[sel][0])
    labels = ["negative", "positive"] if binary else list(LABELS)
    gold = [LABELS[i] for i in h.y[sel]]
    stacked, alone = decide(probs[sel], binary), decide(head[sel], binary)  # binary: positive vs negative
    return {"rows": int(len(sel)), "stacker": scores(gold, stacked, labels)["macro_f1"],
            "head_alone": scores(gold, alone, labels)["macro_f1"],
            "stacker_minus_head": macro_f1_margin(gold, stacked, alone, labels)}


def leave_out(h: HeldOut, ngrams: Callable[[np.ndarray], np.ndarray], name: str) -> np.ndarray:
    """Stacker probabilities of every held-out row, fitted without dataset `name` (score its rows only).

    `ngrams(mask)` fits the n-gram model on the train rows in `mask` and returns the held-out rows'
    log-probabilities."""
    d = h.rows.names.index(name)
    ng = ngrams((~h.rows.holdout) & (h.rows.dataset != d))
    x = stack_inputs(h.logits, ng, h.texts, h.langs, LEXICON_LANGS)
    fit = h.dataset != d
    w = fit_stacker(x[fit], h.y[fit], h.binary[fit], h.weight[fit], SHIPPED_L2)
    return softmax(x @ w.T)


@click.command()
@click.option("--run", "run_dir", type=click.Path(path_type=Path, exists=True), default=Path("nlp/models/default"),
              show_default=True, help="finetune_e5's --out folder, or the shipped model (its held-out logits are "
                                      "then computed with it)")
@click.option("--without-ngrams", is_flag=True,
              help="A variant: the stacker without the n-gram model's inputs (e5 logits and word lists only)")
@click.option("--out", "out_path", type=click.Path(path_type=Path), default=None)
def main(run_dir: Path, without_ngrams: bool, out_path: Path | None) -> None:
    """Score the stacker on each of four datasets after fitting it without that dataset."""
    start = time.monotonic()
    rows = load_rows(np.random.default_rng(SEED))
    h = held_out_rows(run_dir, rows, logits_only=True)
    head = softmax(h.logits)  # a temperature never changes the head's labels

    def ngrams(mask: np.ndarray) -> np.ndarray:
        if without_ngrams:  # constant inputs: the l2 term keeps their weights at zero
            return np.zeros((len(h.texts), 3))
        return ngram_log_probs(h.texts, *ngram_model(rows.texts, rows.y, np.flatnonzero(mask)))

    in_domain = stacker_cv(stack_inputs(h.logits, ngrams(~rows.holdout), h.texts, h.langs, LEXICON_LANGS),
                           h, SHIPPED_L2)
    mean, per = mean_macro_f1(rows, h.index, in_domain)
    result: dict = {"run": str(run_dir), "method": METHOD,
                    "stacker_inputs": "without n-grams" if without_ngrams else "as shipped",
                    "in_domain_cv": {"mean_macro_f1": mean, "by_dataset": per}, "datasets": {}}
    click.echo(f"in-domain CV mean over {len(per)} sets: {mean}", err=True)
    for name in LEFT_OUT:
        sel = np.flatnonzero(h.dataset == rows.names.index(name))
        probs = leave_out(h, ngrams, name)
        result["datasets"][name] = {"in_domain": score_rows(h, sel, in_domain, head),
                                    "left_out": score_rows(h, sel, probs, head)}
        r = result["datasets"][name]
        click.echo(f"[{time.monotonic() - start:.0f}s] {name}: head {r['left_out']['head_alone']}; stacker in-domain "
                   f"{r['in_domain']['stacker']}, fitted without it {r['left_out']['stacker']} "
                   f"({r['left_out']['stacker_minus_head']['margin']:+.2f}, 95% "
                   f"{r['left_out']['stacker_minus_head']['ci95']})", err=True)
    write_result(out_path, result)


if __name__ == "__main__":
    main()
