"""Key phrases of a surge: its posts against the usual posts, by the one rule in `nlp/phrases.py`.

The scoring (n-grams per language, log-odds with an informative Dirichlet prior, phrase choice)
lives in nlp so themes label clusters with the same rule (imports point down: alerts use nlp).
"""

from nlp.phrases import (
           MAX_N,
           MIN_POST_SHARE,
           MIN_Z,
           PRIOR_WEIGHT,
           Scored,
           key_phrases,
           key_terms,
           log_odds,
           post_grams,
           score,
)

__all__ = ["MAX_N", "MIN_POST_SHARE", "MIN_Z", "PRIOR_WEIGHT", "Scored", "key_phrases", "key_terms", "log_odds",
           "post_grams", "score"]
