"""Evaluate a sentiment model on the dev splits: `python -m tools.sentiment.evaluate` (or `make eval-sentiment`).

Prints macro recall and macro-F1 per dataset-language, per language and overall, with confusion
matrices, and writes everything to docs/sentiment-eval.json for the default model (int8:
docs/sentiment-eval-int8.json); for `--model minilm`, to docs/minilm/sentiment-eval.json (torch) or
docs/minilm/sentiment-eval-onnx-<variant>.json; for `--model-dir DIR` (a candidate default model from
calibrate_e5, scored before it ships), to the same file name inside DIR; for `--combine head` (the default
model's e5 head without its stacker), to docs/sentiment-eval-head.json. Binary sets (chnsenticorp_htl,
nsmc_raw) are scored by P(positive) vs P(negative): neutral is not a possible answer there.
For the MiniLM model the base parts (encoder head alone, n-gram model alone, English head alone) are
scored too, and the macro-F1 margin over the encoder head alone (our frozen MiniLM + logistic
regression floor) gets a paired-bootstrap 95% interval per set.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from nlp.langid import detect_languages
from nlp.model_files import LABELS, softmax
from nlp.normalize import normalize
from nlp.onnx_encoder import DEFAULT_VARIANT
from nlp.sentiment import MiniLMSentimentModel, load_sentiment_model
from tools.sentiment.data import REPO, MissingDataError, Split, load_splits, split_files

DEFAULT_OUT = REPO / "docs" / "sentiment-eval.json"


def default_out(model_name: str, backend: str, onnx_variant: str | None) -> Path:
    """Where the results go unless --out says otherwise (see the module doc)."""
    if model_name == "minilm":
        if backend == "torch":
            return REPO / "docs" / "minilm" / "sentiment-eval.json"
        return REPO / "docs" / "minilm" / f"sentiment-eval-onnx-{onnx_variant or DEFAULT_VARIANT}.json"
    if onnx_variant in (None, "fp32"):
        return DEFAULT_OUT
    return REPO / "docs" / f"sentiment-eval-{onnx_variant}.json"


def scores(gold: list[str], pred: list[str], labels: list[str]) -> dict:
    """Macro recall, macro-F1, accuracy and the confusion matrix (rows gold, columns predicted)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, recall_score

    return {
        "n": len(gold),
        "macro_recall": round(100 * recall_score(gold, pred, labels=labels, average="macro", zero_division=0), 2),
        "macro_f1": round(100 * f1_score(gold, pred, labels=labels, average="macro", zero_division=0), 2),
        "accuracy": round(100 * accuracy_score(gold, pred), 2),
        "labels": labels,
        "confusion": confusion_matrix(gold, pred, labels=labels).tolist(),
    }


def calibration(gold: list[str], probs, uncertain_below: float = 0.5, bins: int = 10) -> dict:
    """How far the top-class probability is from being right that often (3-class rows only).

    ECE: the bin-size-weighted mean |accuracy - mean confidence| over `bins` equal-width bins of
    the top probability; Brier: mean squared error of the probability vector. Also how many rows
    the `uncertain` flag (top probability below `uncertain_below`) marks and how accurate the
    flagged and the unflagged rows are, which is what makes "review uncertain first" worthwhile.
    """
    import numpy as np

    probs = np.asarray(probs, dtype=float)
    y = np.array([LABELS.index(g) for g in gold])
    top = probs.max(axis=1)
    correct = probs.argmax(axis=1) == y
    edges = np.minimum((top * bins).astype(int), bins - 1)
    table, ece = [], 0.0
    for b in range(bins):
        m = edges == b
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - top[m].mean())
            table.append({"from": b / bins, "n": int(m.sum()), "confidence": round(float(top[m].mean()), 3),
                          "accuracy": round(float(correct[m].mean()), 3)})
    onehot = np.eye(len(LABELS))[y]
    flagged = top < uncertain_below
    return {
        "n": int(len(y)),
        "ece": round(100 * float(ece), 2),
        "brier": round(float(((probs - onehot) ** 2).sum(axis=1).mean()), 4),
        "uncertain_below": uncertain_below,
        "uncertain_share": round(100 * float(flagged.mean()), 1),
        "accuracy_uncertain": round(100 * float(correct[flagged].mean()), 1) if flagged.any() else None,
        "accuracy_confident": round(100 * float(correct[~flagged].mean()), 1) if (~flagged).any() else None,
        "reliability": table,
    }


def macro_f1_margin(gold: list[str], pred: list[str], base: list[str], labels: list[str],
                    resamples: int = 2000, seed: int = 0) -> dict:
    """Macro-F1 of `pred` minus that of `base` on the same rows, with a paired-bootstrap 95% interval.

    Rows are resampled with replacement (seeded), both predictions scored on each resample: the
    interval says how much of a margin could be the luck of which rows the dev set happens to hold.
    """
    import numpy as np

    k = len(labels)
    index = {lab: i for i, lab in enumerate(labels)}
    g = np.array([index[x] for x in gold])

    def f1(p_idx, rows):
        # Per-resample confusion counts via one bincount over (resample, gold, pred) cells.
        cells = (np.arange(rows.shape[0])[:, None] * k + g[rows]) * k + p_idx[rows]
        conf = np.bincount(cells.ravel(), minlength=rows.shape[0] * k * k).reshape(-1, k, k).astype(float)
        tp = np.diagonal(conf, axis1=1, axis2=2)
        prec = np.divide(tp, conf.sum(axis=1), out=np.zeros_like(tp), where=conf.sum(axis=1) > 0)
        rec = np.divide(tp, conf.sum(axis=2), out=np.zeros_like(tp), where=conf.sum(axis=2) > 0)
        return 100 * np.divide(2 * prec * rec, prec + rec, out=np.zeros_like(tp), where=prec + rec > 0).mean(axis=1)

    a = np.array([index.get(x, -1) for x in pred])
    b = np.array([index.get(x, -1) for x in base])
    if (a < 0).any() or (b < 0).any():
        raise ValueError(f"predictions outside {labels}")
    full = np.arange(len(g))[None, :]
    rows = np.random.default_rng(seed).integers(0, len(g), size=(resamples, len(g)))
    diffs = f1(a, rows) - f1(b, rows)
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return {"margin": round(float(f1(a, full)[0] - f1(b, full)[0]), 2),
            "ci95": [round(float(lo), 2), round(float(hi), 2)], "resamples": resamples}


def decide(probs, binary: bool) -> list[str]:
    """Labels from probability rows (columns in LABELS order)."""
    if binary:
        return ["positive" if row[2] >= row[0] else "negative" for row in probs]
    return [LABELS[int(row.argmax())] for row in probs]


def eval_splits(split: str, max_rows: int | None):
    """The splits to score; with `max_rows`, a seeded random subset of each (original order kept)."""
    import random

    out = []
    for sp in load_splits(split):
        if max_rows is not None and len(sp.texts) > max_rows:
            keep = sorted(random.Random(f"{sp.key}/{split}").sample(range(len(sp.texts)), max_rows))
            sp = Split(sp.dataset, sp.lang, [sp.texts[i] for i in keep], [sp.labels[i] for i in keep])
        out.append(sp)
    return out


def _print_split(key: str, s: dict) -> None:
    click.echo(f"\n{key}  n={s['n']}  macro-recall={s['macro_recall']:.1f}  macro-F1={s['macro_f1']:.1f}  "
               f"acc={s['accuracy']:.1f}")
    click.echo("    gold \\ pred " + " ".join(f"{lab[:8]:>9}" for lab in s["labels"]))
    for lab, row in zip(s["labels"], s["confusion"], strict=True):
        click.echo(f"    {lab:>12} " + " ".join(f"{v:>9}" for v in row))


def _overlap_key(text: str) -> str:
    """Text compared without case, @handles, URLs, punctuation and spaces (the data README's near-duplicate rule)."""
    import re

    return re.sub(r"[\W_]+", "", re.sub(r"@\w+|https?://\S+", "", text.lower()))


def independent_rows(sp: Split) -> list[int]:
    """Rows of tweeteval/en dev NOT also in umsab/en train or dev (1,751 of its 1,997 are: same SemEval tweets).

    Only these say anything about a model trained on umsab/en; other splits are returned whole."""
    if sp.key != "tweeteval/en":
        return list(range(len(sp.texts)))
    seen = {_overlap_key(t) for part in ("train", "dev") for s in load_splits(part) if s.key == "umsab/en"
            for t in s.texts}
    return [i for i, t in enumerate(sp.texts) if _overlap_key(t) not in seen]


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 2) if values else float("nan")


@click.command()
@click.option("--model", "model_name", default="default", show_default=True)
@click.option("--split", default="dev", show_default=True)
@click.option("--detect-lang/--data-lang", default=False, show_default=True,
              help="Give the model lingua's language guess instead of the dataset's language")
@click.option("--out", "out_path", type=click.Path(path_type=Path), default=None,
              help="Default: docs/sentiment-eval.json (see the module doc for the other models)")
@click.option("--batch-size", default=64, show_default=True)
@click.option("--max-rows", type=int, default=None,
              help="Score a seeded sample of at most this many rows per dataset-language (default: all)")
@click.option("--backend", type=click.Choice(["torch", "onnx"]), default=None,
              help="Runtime: the default model runs on onnx only; --model minilm on torch (the default for it, "
                   "with the embedding cache) or onnx; a Hugging Face checkpoint on torch")
@click.option("--onnx-variant", type=click.Choice(["int8", "fp32"]), default=None,
              help="With --backend onnx (default: nlp.onnx_encoder.DEFAULT_VARIANT)")
@click.option("--model-dir", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              help="A candidate default model (calibrate_e5's --out folder) instead of nlp/models/default; "
                   "results go into MODEL_DIR (sentiment-eval.json, or -int8.json) unless --out says otherwise")
@click.option("--combine", type=click.Choice(["shipped", "head"]), default="shipped", show_default=True,
              help="The default model's combination (nlp.sentiment_combine): as shipped, or the e5 head alone")
def main(model_name: str, split: str, detect_lang: bool, out_path: Path | None, batch_size: int,
         max_rows: int | None, backend: str | None, onnx_variant: str | None, model_dir: Path | None,
         combine: str) -> None:
    """Score MODEL on every <dataset>/<lang>/<split>.jsonl."""
    import numpy as np

    try:
        split_files(split)  # before the model loads: missing data is said at once
    except MissingDataError as exc:
        raise click.ClickException(str(exc)) from None
    start = time.monotonic()
    if backend is None:
        backend = "onnx" if model_name == "default" else "torch"
    if out_path is None:
        out_path = default_out(model_name, backend, onnx_variant)
        if combine != "shipped":  # the head alone: beside the shipped combination's file, never over it
            out_path = out_path.with_name(f"{out_path.stem}-{combine}.json")
        if model_dir is not None:  # a candidate's figures must never overwrite the shipped model's in docs/
            out_path = model_dir / out_path.name
    try:
        if model_name == "minilm" and backend == "torch" and model_dir is None:
            model = MiniLMSentimentModel(cache_embeddings=True, backend="torch")
        else:
            model = load_sentiment_model(model_name, backend=backend, onnx_variant=onnx_variant, model_dir=model_dir,
                                         combine=combine)
    except (OSError, ValueError) as exc:  # a broken or mismatched model folder: its own message, no traceback
        raise click.ClickException(str(exc)) from None
    results: dict = {
        "model": model.name, "split": split, "max_rows_per_split": max_rows,
        "lang_source": "lingua" if detect_lang else "dataset", "splits": {},
    }
    if model_dir is not None:
        results["model_dir"] = str(model_dir)
    if backend == "onnx":
        results["backend"] = f"onnx ({onnx_variant or DEFAULT_VARIANT})"
    parts: dict[str, dict] = {"encoder_head": {}, "ngram": {}, "english_head": {}}
    margins: dict[str, dict] = {}
    three_class_gold: list[str] = []
    three_class_probs: list = []
    for sp in eval_splits(split, max_rows):
        labels = ["negative", "positive"] if sp.binary else list(LABELS)
        texts = [normalize(t) for t in sp.texts]
        langs = None if detect_lang else [sp.lang] * len(texts)
        if isinstance(model, MiniLMSentimentModel):
            lp_emb, lp_ng, lp_en = model.base_log_probs(texts, batch_size)
            if langs is None:
                langs = detect_languages(texts)
            probs = model.combine(lp_emb, lp_ng, lp_en, texts, langs)
        else:
            probs = model._probabilities(texts, langs, batch_size)
        results["splits"][sp.key] = scores(sp.labels, decide(probs, sp.binary), labels)
        clean = independent_rows(sp)
        if 0 < len(clean) < len(sp.texts):  # a small --max-rows sample may hold none of them
            gold = [sp.labels[i] for i in clean]
            present = [lab for lab in labels if lab in gold]  # macro over the classes these rows have
            results.setdefault("independent_subsets", {})[sp.key] = {
                "rows": len(clean), "why": "rows not also in umsab/en train or dev",
                "classes_present": present, **scores(gold, decide(np.asarray(probs)[clean], sp.binary), present)}
        if not sp.binary:
            three_class_gold += sp.labels
            three_class_probs += list(np.asarray(probs))
        _print_split(sp.key, results["splits"][sp.key])
        if isinstance(model, MiniLMSentimentModel):
            own = [("encoder_head", lp_emb), ("ngram", lp_ng)] + ([("english_head", lp_en)] if sp.lang == "en" else [])
            for part, lp in own:
                s = scores(sp.labels, decide(softmax(np.asarray(lp)), sp.binary), labels)
                parts[part][sp.key] = {k: s[k] for k in ("macro_recall", "macro_f1", "accuracy")}
            # The floor of issue 6 is a frozen MiniLM + logistic regression: our encoder head alone.
            floor = decide(softmax(np.asarray(lp_emb)), sp.binary)
            margins[sp.key] = macro_f1_margin(sp.labels, decide(probs, sp.binary), floor, labels)

    by_lang: dict[str, list[dict]] = {}
    for key, s in results["splits"].items():
        by_lang.setdefault(key.split("/")[1], []).append(s)
    results["languages"] = {
        lang: {"macro_recall": _mean([s["macro_recall"] for s in ss]), "macro_f1": _mean([s["macro_f1"] for s in ss])}
        for lang, ss in sorted(by_lang.items())
    }
    all_splits = list(results["splits"].values())
    umsab = [s for k, s in results["splits"].items() if k.startswith("umsab/")]
    results["overall"] = {
        "mean_macro_recall_over_splits": _mean([s["macro_recall"] for s in all_splits]),
        "mean_macro_f1_over_splits": _mean([s["macro_f1"] for s in all_splits]),
        "umsab_mean_macro_f1": _mean([s["macro_f1"] for s in umsab]),
    }
    if three_class_gold:
        results["calibration"] = calibration(three_class_gold, np.array(three_class_probs))
    if parts["ngram"]:
        results["base_parts"] = parts
    if margins:
        results["margin_over_encoder_head"] = margins
        click.echo("\nmacro-F1 margin over the encoder head alone (frozen MiniLM + LR), paired bootstrap 95%:")
        for key, m in margins.items():
            click.echo(f"  {key:28s} {m['margin']:+6.2f}  [{m['ci95'][0]:+.2f}, {m['ci95'][1]:+.2f}]")
    results["seconds"] = round(time.monotonic() - start, 1)
    click.echo("\nper language (mean over its datasets):")
    for lang, s in results["languages"].items():
        click.echo(f"  {lang}: macro-recall {s['macro_recall']:.1f}  macro-F1 {s['macro_f1']:.1f}")
    click.echo(f"overall: {json.dumps(results['overall'])}")
    if "calibration" in results:
        cal = {k: v for k, v in results["calibration"].items() if k != "reliability"}
        click.echo(f"calibration (3-class dev rows): {json.dumps(cal)}")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    click.echo(f"wrote {out_path}")


if __name__ == "__main__":
    main()
