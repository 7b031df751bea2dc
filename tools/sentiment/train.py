"""Train the default sentiment model: `python -m tools.sentiment.train` (or `make train-sentiment`).

Four parts, all trained on the `train` splits only (dev stays untouched for `tools.sentiment.evaluate`):

1. an embedding head: logistic regression on frozen all-MiniLM-L6-v2 features (mean-pooled
   states of two upper layers);
2. an n-gram model: logistic regression on hashed character and word n-grams (TF-IDF), which
   covers the scripts the English-centric encoder vocabulary handles poorly (Hangul, Han);
3. an English head: the same kind of logistic regression as 1, on the English rows only;
4. a stacker: multinomial logistic regression per language group on the out-of-fold
   log-probabilities of 1, 2 and (English weights only) 3, plus the VADER lexicon scores
   (compound, pos, neg, neu; English weights only, no training) and the translated AFINN
   word-list scores (`nlp/lexicon.py`; de, es, fr, it, pt weights only, no training). Being fitted on predictions for
   rows the base models did not see, it both weights the signals per language and calibrates the
   final probabilities.

Everything is seeded; the result is written to `nlp/models/minilm/`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from nlp.encoder import set_threads
from nlp.features import cached_embeddings, fit_idf, ngram_counts, ngram_tfidf
from nlp.lexicon import LEXICON_LANGS
from nlp.model_files import (
    LABELS,
    MINILM_MODEL_DIR,
    english_block,
    lexicon_features,
    save_default_model,
    softmax,
    stack_features,
)
from nlp.normalize import normalize
from tools.sentiment.data import REPO, MissingDataError, load_splits
from tools.sentiment.evaluate import macro_f1_margin

SEED = 13
# Encoder features for every row of small splits (UMSAB, ~1.8k rows each, where the encoder head
# matters most), a seeded sample of EMBED_CAP rows of the big ones (n-grams carry zh/ko/ru).
SMALL_SPLIT = 3000
EMBED_CAP = 400
FOLDS = 2
OTHER_LANG_RATE = 0.15  # share of stacker rows shown as language "other", for undetected languages
ABLATION_OUT = REPO / "docs" / "minilm" / "sentiment-lexicon-ablation.json"


def _log(msg: str, start: float) -> None:
    click.echo(f"[{time.monotonic() - start:6.0f}s] {msg}", err=True)


@click.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=MINILM_MODEL_DIR, show_default=True)
@click.option("--embed-cap", default=EMBED_CAP, show_default=True,
              help=f"Encoder rows per dataset-language with more than {SMALL_SPLIT} rows")
@click.option("--ablate-lexicons", "ablation_out", type=click.Path(path_type=Path), default=None,
              help="Also cross-validate the stacker with and without the word-list scores on train rows "
                   f"and write the comparison here (e.g. {ABLATION_OUT.relative_to(REPO)})")
def main(out_dir: Path, embed_cap: int, ablation_out: Path | None) -> None:
    """Train the default sentiment model from ../shared/data/sentiment/*/*/train.jsonl."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.preprocessing import StandardScaler

    start = time.monotonic()
    set_threads()
    rng = np.random.default_rng(SEED)
    try:
        splits = load_splits("train")
    except MissingDataError as exc:
        raise click.ClickException(str(exc)) from None
    texts, labels, langs, in_sample = [], [], [], []
    for split in splits:
        n = len(split.texts)
        chosen = np.zeros(n, dtype=bool)
        chosen[rng.permutation(n)[: n if n <= SMALL_SPLIT else min(n, embed_cap)]] = True
        texts += [normalize(t) for t in split.texts]
        labels += split.labels
        langs += [split.lang] * n
        in_sample += chosen.tolist()
    y = np.array([LABELS.index(label) for label in labels])
    sample = np.flatnonzero(in_sample)
    folds = rng.integers(0, FOLDS, size=len(texts))
    _log(f"{len(texts)} train rows from {len(splits)} splits; {len(sample)} get encoder features", start)

    emb = cached_embeddings([texts[i] for i in sample])
    _log("encoder features ready", start)
    scaler = StandardScaler().fit(emb)
    emb_z = scaler.transform(emb).astype(np.float32)
    en = np.array(langs)[sample] == "en"

    counts = ngram_counts(texts)
    idf = fit_idf(counts).astype(np.float16).astype(np.float32)  # as shipped (fp16)
    x_ng = ngram_tfidf(counts, idf)
    _log(f"n-gram features ready ({x_ng.nnz} non-zeros)", start)

    def emb_head() -> LogisticRegression:
        return LogisticRegression(C=0.05, max_iter=3000, class_weight="balanced")

    def ngram_head() -> SGDClassifier:
        # Linear model on ~1.3M hashed features; SGD keeps this to about a minute on 2 cores.
        return SGDClassifier(loss="modified_huber", alpha=1e-5, max_iter=20, tol=None,
                             class_weight="balanced", random_state=SEED)

    # Out-of-fold log-probabilities for the stacker.
    oof_emb = np.zeros((len(sample), 3))
    oof_ng = np.zeros((len(sample), 3))
    sample_folds = folds[sample]
    for k in range(FOLDS):
        tr_s, te_s = sample_folds != k, sample_folds == k
        oof_emb[te_s] = emb_head().fit(emb_z[tr_s], y[sample][tr_s]).predict_log_proba(emb_z[te_s])
        # The n-gram model of fold k sees every train row except the sampled rows of fold k.
        keep = np.ones(len(texts), dtype=bool)
        keep[sample[te_s]] = False
        ng = ngram_head().fit(x_ng[keep], y[keep])
        oof_ng[te_s] = np.log(np.clip(_ngram_proba(ng, x_ng[sample[te_s]]), 1e-6, 1.0))
        _log(f"fold {k + 1}/{FOLDS} done", start)

    stack_langs = [langs[i] if rng.random() >= OTHER_LANG_RATE else "other" for i in sample]

    # English head: the encoder head's recipe on English rows only, out-of-fold on the same folds.
    oof_en = np.zeros((len(sample), 3))
    en_folds = sample_folds[en]
    for k in range(FOLDS):
        tr_e, te_e = en_folds != k, en_folds == k
        head = emb_head().fit(emb_z[en][tr_e], y[sample][en][tr_e])
        oof_en[np.flatnonzero(en)[te_e]] = head.predict_log_proba(emb_z[en][te_e])
    final_en = emb_head().fit(emb_z[en], y[sample][en])
    _log(f"English head fitted ({int(en.sum())} rows)", start)

    # The inference code's own blocks: zero for rows the stacker sees as another language or "other".
    sample_texts = [texts[i] for i in sample]
    english = english_block(oof_en, sample_texts, stack_langs)
    lexicon = lexicon_features(sample_texts, stack_langs)
    stacker = LogisticRegression(C=1.0, max_iter=5000, class_weight="balanced")
    stacker.fit(stack_features(oof_emb, oof_ng, english, lexicon, stack_langs), y[sample])
    _log("stacker fitted", start)
    if ablation_out is not None:
        report = lexicon_ablation(oof_emb, oof_ng, english, lexicon, stack_langs, y[sample])
        ablation_out.parent.mkdir(parents=True, exist_ok=True)
        ablation_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        for lang, r in report["languages"].items():
            _log(f"stacker CV {lang}: {r['without_lists']:.2f} -> {r['with_lists']:.2f} "
                 f"({r['margin']:+.2f}, 95% [{r['ci95'][0]:+.2f}, {r['ci95'][1]:+.2f}])", start)
        _log(f"wrote {ablation_out}", start)

    final_emb = emb_head().fit(emb_z, y[sample])
    final_ng = ngram_head().fit(x_ng, y)
    _log("final base models fitted", start)

    info = {
        "trained_on": [f"{s.key}/train ({len(s.texts)} rows)" for s in splits],
        "seed": SEED,
        "embed_cap": embed_cap,
        "small_split_rows": SMALL_SPLIT,
        "folds": FOLDS,
        "train_seconds": round(time.monotonic() - start, 1),
    }
    save_default_model(
        out_dir,
        scaler_mean=scaler.mean_,
        scaler_scale=scaler.scale_,
        emb_coef=final_emb.coef_,
        emb_intercept=final_emb.intercept_,
        en_coef=final_en.coef_,
        en_intercept=final_en.intercept_,
        ng_idf=idf,
        ng_coef=final_ng.coef_,
        ng_intercept=final_ng.intercept_,
        stack_coef=stacker.coef_,
        stack_intercept=stacker.intercept_,
        info=info,
    )
    size = sum(p.stat().st_size for p in Path(out_dir).iterdir())
    _log(f"wrote {out_dir} ({size / 1e6:.1f} MB): {json.dumps(info)[:200]}", start)


def lexicon_ablation(oof_emb, oof_ng, english, lexicon, stack_langs, y, folds: int = 5) -> dict:
    """Does the stacker gain from the word lists on rows it was not fitted on? Train rows only.

    The base parts' inputs are already out-of-fold, so a k-fold cross-validation of the stacker alone,
    once with the word-list block and once with it zeroed, scores the lists without touching dev.
    Per language with a list (and English, which has none, as a check): macro-F1 with and without,
    and the paired-bootstrap 95% interval of the difference.
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    def cv_predictions(lex):
        x = stack_features(oof_emb, oof_ng, english, lex, stack_langs)
        pred = np.zeros(len(y), dtype=int)
        for tr, te in StratifiedKFold(folds, shuffle=True, random_state=SEED).split(x, y):
            model = LogisticRegression(C=1.0, max_iter=5000, class_weight="balanced").fit(x[tr], y[tr])
            pred[te] = model.predict(x[te])
        return pred

    with_lists, without = cv_predictions(lexicon), cv_predictions(np.zeros_like(lexicon))
    langs = np.array(stack_langs)
    out = {}
    for lang in (*LEXICON_LANGS, "en"):
        rows = np.flatnonzero(langs == lang)
        gold = [LABELS[i] for i in y[rows]]
        m = macro_f1_margin(gold, [LABELS[i] for i in with_lists[rows]], [LABELS[i] for i in without[rows]],
                            list(LABELS))
        f1 = {name: round(100 * f1_score(y[rows], p[rows], average="macro"), 2)
              for name, p in (("with_lists", with_lists), ("without_lists", without))}
        out[lang] = {"rows": int(len(rows)), **f1, **m}
    return {"method": f"{folds}-fold CV of the stacker on its out-of-fold train inputs, seed {SEED}",
            "languages": out}


def _ngram_proba(model, x):
    """Softmax over one-vs-rest decision scores: the same formula the shipped model uses at load."""
    return softmax(model.decision_function(x))


if __name__ == "__main__":
    main()
