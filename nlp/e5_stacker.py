"""The default model's stacker: the e5 head's logits with n-grams and word lists, weighted per language.

Inputs per text (the one definition training and inference share):
- a **shared block**, the same weights for every language: [e5 logits (3), n-gram log-probabilities (3), 1];
- a **per-language block** (nlp.model_files.stack_features: a copy per language group, zeros outside the
  text's group): [e5 logits, n-gram log-probabilities, VADER (en only), word-list scores (de, es, fr, it,
  pt only), 1].

It is a multinomial logistic regression fitted on held-out train rows with *partial labels*: rows of
the binary sets (Korean NSMC, Chinese ChnSentiCorp) are scored on negative vs positive only. The
shared block is what gives a language with only binary data (Korean) its neutral class: its own
block's neutral weights get no signal and stay at zero, rather than learning "never neutral".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from nlp.features import ngram_counts, ngram_tfidf
from nlp.model_files import LABELS, english_block, lexicon_features, softmax, stack_features

if TYPE_CHECKING:
    import numpy as np

NEG, NEU, POS = (LABELS.index(x) for x in ("negative", "neutral", "positive"))


def ngram_log_probs(texts: Sequence[str], idf: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """Log-probabilities of the hashed n-gram model (texts already normalised)."""
    import numpy as np

    x = ngram_tfidf(ngram_counts(texts), idf)
    return np.log(np.clip(softmax(np.asarray(x @ coef.T) + intercept), 1e-6, 1.0))


def stack_inputs(e5_logits: np.ndarray, ngram_logp: np.ndarray, texts: Sequence[str],
                 langs: Sequence[str | None], lexicon_langs: Sequence[str]) -> np.ndarray:
    """The stacker's input rows (see the module doc); texts already normalised."""
    import numpy as np

    n = len(texts)
    shared = np.hstack([e5_logits, ngram_logp, np.ones((n, 1))])
    english = english_block(np.zeros((n, 3)), texts, langs)  # VADER for "en" rows; no separate English head
    per_group = stack_features(e5_logits, ngram_logp, english, lexicon_features(texts, langs, lexicon_langs), langs)
    return np.hstack([shared, per_group])


def partial_nll(p3: np.ndarray, y: np.ndarray, binary: np.ndarray) -> np.ndarray:
    """Per-row negative log-likelihood of probabilities `p3`; binary rows over negative vs positive only."""
    import numpy as np

    rows = np.arange(len(y))
    p2 = p3[:, [NEG, POS]] / p3[:, [NEG, POS]].sum(1, keepdims=True)
    picked = np.where(binary, p2[rows, (y == POS).astype(int)], p3[rows, y])
    return -np.log(np.clip(picked, 1e-12, 1.0))


def partial_label_loss(w: np.ndarray, x: np.ndarray, y: np.ndarray, binary: np.ndarray, weight: np.ndarray,
                       l2: float, free: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """Weighted cross-entropy (binary rows over negative vs positive only) + l2·|W|², and its gradient.

    `free`: a boolean mask of input columns whose weights the l2 term leaves alone (none by default)."""
    import numpy as np

    W = w.reshape(3, x.shape[1])
    penalised = W if free is None else W * ~free
    z = x @ W.T
    p3 = softmax(z)
    p2 = softmax(z[:, [NEG, POS]])
    rows = np.arange(len(y))
    nll = partial_nll(p3, y, binary)
    g = p3.copy()
    g[rows, y] -= 1.0
    g2 = np.zeros_like(g)
    g2[:, [NEG, POS]] = p2
    g2[rows[binary], np.where(y[binary] == POS, POS, NEG)] -= 1.0
    g = np.where(binary[:, None], g2, g) * (weight / weight.sum())[:, None]
    loss = float((nll * weight).sum() / weight.sum() + l2 * (penalised**2).sum())
    return loss, (g.T @ x + 2 * l2 * penalised).ravel()


def fit_stacker(x: np.ndarray, y: np.ndarray, binary: np.ndarray, weight: np.ndarray, l2: float,
                free: np.ndarray | None = None) -> np.ndarray:
    """(3, d) weights minimising `partial_label_loss` (L-BFGS)."""
    import numpy as np
    from scipy.optimize import minimize

    res = minimize(partial_label_loss, np.zeros(3 * x.shape[1]), args=(x, y, binary, weight, l2, free),
                   jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    return res.x.reshape(3, x.shape[1])
