"""The word-list ablation that `python -m tools.sentiment.train --ablate-lexicons` reports (train rows only)."""

import numpy as np

from nlp.lexicon import LEXICON_LANGS, LEXICON_WIDTH
from nlp.model_files import ENGLISH_WIDTH
from tools.sentiment.train import lexicon_ablation


def test_ablation_credits_lists_that_carry_signal_and_nothing_else():
    rng = np.random.default_rng(0)
    n_per = 300
    langs = [lang for lang in (*LEXICON_LANGS, "en") for _ in range(n_per)]
    y = rng.integers(0, 3, len(langs))
    # Weak base parts: the right class gets a small bump on top of noise.
    noise = rng.normal(0, 1.0, (len(langs), 3))
    oof_emb = noise + 0.6 * np.eye(3)[y]
    oof_ng = rng.normal(0, 1.0, (len(langs), 3)) + 0.6 * np.eye(3)[y]
    english = np.zeros((len(langs), ENGLISH_WIDTH))
    lexicon = np.zeros((len(langs), LEXICON_WIDTH))
    it = np.array(langs) == "it"
    lexicon[it, 0] = (y[it] - 1) + rng.normal(0, 0.3, it.sum())  # only Italian's list is informative
    report = lexicon_ablation(oof_emb, oof_ng, english, lexicon, langs, y)["languages"]
    assert set(report) == {*LEXICON_LANGS, "en"}
    assert report["it"]["margin"] > 10 and report["it"]["ci95"][0] > 0
    # Without signal in their block the other languages barely move (one stacker is fitted for all
    # groups, with a shared intercept, so not exactly zero); their intervals hold 0.
    for lang in ("de", "es", "fr", "pt", "en"):
        assert abs(report[lang]["margin"]) < 2 and report[lang]["ci95"][0] <= 0 <= report[lang]["ci95"][1], lang
    assert report["it"]["rows"] == n_per
