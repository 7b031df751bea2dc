"""tools/sentiment/stacker_variants.py: per-language feature blocks for the stacker experiments."""

from __future__ import annotations

import numpy as np

from nlp.model_files import LANG_GROUPS
from tools.sentiment.stacker_variants import language_blocks


def test_each_row_fills_only_its_language_groups_block():
    rng = np.random.default_rng(0)
    features = rng.normal(loc=5.0, scale=3.0, size=(6, 4))
    langs = ["ko", "zh", "ko", "xx", "en", "zh"]  # "xx": not a group of its own, so "other"
    blocks = language_blocks(features, langs, scale=0.5)
    assert blocks.shape == (6, 4 * len(LANG_GROUPS))
    for row, lang in enumerate(langs):
        g = LANG_GROUPS.index(lang if lang in LANG_GROUPS else "other")
        filled = np.flatnonzero(blocks[row])
        assert set(filled) <= set(range(g * 4, (g + 1) * 4)) and len(filled) == 4
    z = (features - features.mean(0)) / features.std(0)
    assert np.allclose(blocks[0, LANG_GROUPS.index("ko") * 4 : LANG_GROUPS.index("ko") * 4 + 4], 0.5 * z[0])
