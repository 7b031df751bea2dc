"""tools.sentiment.cross_domain_cv: the stacker fitted without a dataset, scored on it against the head alone."""

from __future__ import annotations

import numpy as np

from nlp.e5_stacker import ngram_log_probs, stack_inputs
from nlp.lexicon import LEXICON_LANGS
from nlp.model_files import softmax
from tools.sentiment.calibrate_e5 import HeldOut, ngram_model, stacker_cv
from tools.sentiment.cross_domain_cv import leave_out, score_rows
from tools.sentiment.train_rows import Rows


def _two_domains(n: int = 600, seed: int = 0) -> HeldOut:
    """Two Chinese datasets whose texts give the label away in words of their own (a cue the other
    dataset never has), and a head that is right about 60% of the time on both."""
    rng = np.random.default_rng(seed)
    y = np.tile(np.arange(3), 2 * n // 3)
    dataset = np.repeat([0, 1], n)
    words = [["qqq", "www", "eee"], ["rrr", "ttt", "yyy"]]  # no character in common: nothing carries over
    cue = [words[d][label] for d, label in zip(dataset, y, strict=True)]
    texts = [f"{c if rng.random() < 0.8 else 'zzz'} filler{rng.integers(50)}" for c in cue]
    holdout = np.tile([False, True], n)
    rows = Rows(texts=texts, y=y, dataset=dataset, binary=np.zeros(2 * n, dtype=bool), holdout=holdout,
                names=["a/zh", "b/zh"])
    index = np.flatnonzero(holdout)
    logits = np.eye(3)[y[index]] * 1.0 + rng.normal(size=(len(index), 3))
    return HeldOut(info={}, rows=rows, index=index, logits=logits, y=y[index], dataset=dataset[index],
                   binary=np.zeros(len(index), dtype=bool), weight=np.ones(len(index)),
                   texts=[texts[i] for i in index], langs=["zh"] * len(index))


def test_a_domain_bound_cue_helps_in_domain_and_not_on_the_left_out_dataset():
    h = _two_domains()

    def ngrams(mask):
        return ngram_log_probs(h.texts, *ngram_model(h.rows.texts, h.rows.y, np.flatnonzero(mask)))

    head = softmax(h.logits)
    sel = np.flatnonzero(h.dataset == 1)
    in_domain = stacker_cv(stack_inputs(h.logits, ngrams(~h.rows.holdout), h.texts, h.langs, LEXICON_LANGS),
                           h, 1e-2)
    inside = score_rows(h, sel, in_domain, head)
    outside = score_rows(h, sel, leave_out(h, ngrams, "b/zh"), head)
    assert inside["rows"] == outside["rows"] == len(sel)
    assert inside["head_alone"] == outside["head_alone"]  # the same head on the same rows
    assert inside["stacker_minus_head"]["margin"] > 10  # b's own words give its labels away
    assert outside["stacker_minus_head"]["margin"] < 3  # fitted without b, they are unknown words
