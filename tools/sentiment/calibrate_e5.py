"""Second stage of `make train-sentiment`: choose and fit what turns the e5 head's logits into probabilities.

    python -m tools.sentiment.calibrate_e5 --run DIR --out nlp/models/default

`DIR` is what tools/sentiment/finetune_e5.py wrote. Everything here is fitted on its *held-out train
rows* (15% of every split, which the fine-tuning never trained on); dev is not read.

1. An n-gram model (hashed character/word n-grams, the MiniLM model's recipe, `tools.sentiment.train`)
   is fitted on the other 85% and scores the held-out rows.
2. Candidates, compared by 5-fold cross-validation on the held-out rows (mean macro-F1 over datasets;
   binary sets scored negative vs positive):
   - `temperature`: the e5 head alone, softmax(logits / T) with T minimising the negative log-likelihood;
   - `stacker(l2)`: nlp/e5_stacker.py (e5 logits + n-grams + VADER/word lists, shared and per-language
     weights, partial labels for the binary sets) for a few regularisation strengths.
3. The best is fitted on all held-out rows and written with the delta; the cross-validated predictions
   give the `uncertain` report (accuracy of confident vs flagged 3-class rows at top probability < 0.5).
4. The delta is packed (nlp/e5_delta.py: int8 differences from the base, or int4 with `--delta-bits 4`)
   and the shipped ONNX graph is run on the held-out rows: how often its top label matches the trained
   layers', the head's and the final model's, goes into model.json.
5. Texts are cut at nlp/e5_encoder.MAX_TOKENS (128) in training and at runtime. The held-out rows
   that are longer are also encoded whole (up to e5's 512), and the head's accuracy on them both ways
   goes into model.json (`long_texts`): the figure that decides whether reading more is worth it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np

from nlp.e5_delta import checkpoint_tensor, load_delta, pack_delta, unpack_delta
from nlp.e5_encoder import E5_CONTEXT, QUERY_PREFIX, E5Encoder
from nlp.e5_sentiment import E5_FORMAT, HEAD_BIAS, HEAD_WEIGHT, E5SentimentModel
from nlp.e5_stacker import fit_stacker, ngram_log_probs, partial_nll, stack_inputs
from nlp.e5_weights import ensure_checkpoint
from nlp.features import fit_idf, ngram_counts, ngram_tfidf
from nlp.lexicon import LEXICON_LANGS, LEXICON_WIDTH, lexicon_digest
from nlp.model_files import LABELS, softmax
from tools.sentiment.data import BINARY_DATASETS
from tools.sentiment.finetune_e5 import NEG, POS, SEED, Rows, class_weights, load_rows, macro_f1_by_dataset

UNCERTAIN_BELOW = 0.5
L2_GRID = (1e-4, 1e-3, 1e-2)
SHIPPED_L2 = 1e-2  # what the grid chose for the shipped model (model.json `combine.l2`)
FOLDS = 5
OTHER_LANG_RATE = 0.15  # share of rows shown as language "other", for undetected languages (as the MiniLM model)


def nll(logits: np.ndarray, y: np.ndarray, binary: np.ndarray, temperature: float) -> float:
    """Mean negative log-likelihood at `temperature`; binary rows over negative vs positive."""
    return float(partial_nll(softmax(logits / temperature), y, binary).mean())


def fit_temperature(logits: np.ndarray, y: np.ndarray, binary: np.ndarray) -> float:
    from scipy.optimize import minimize_scalar

    res = minimize_scalar(lambda t: nll(logits, y, binary, float(np.exp(t))), bounds=(-3, 3), method="bounded")
    return float(np.exp(res.x))


def head_alone_entry(logits: np.ndarray, y: np.ndarray, binary: np.ndarray, cv_probs: np.ndarray) -> dict:
    """model.json's `head_alone`: the e5 head's temperature on all held-out rows, for `nlp.sentiment_combine:
    head` (the head without the stacker), and how its `uncertain` flag did out of fold (`cv_probs`)."""
    three = ~binary
    return {"temperature": round(fit_temperature(logits, y, binary), 4),
            "confidence_cv": confidence_report(cv_probs[three], y[three], UNCERTAIN_BELOW)}


def shipped_logits(delta: Path, first: int, trained: dict, texts: list[str], max_tokens: int) -> np.ndarray:
    """The e5 head's logits from the shipped graph (packed delta, ONNX), texts cut at `max_tokens`."""
    _, features = E5Encoder(delta, first, embeddings=False, max_tokens=max_tokens).encode(texts, progress=True)
    return features @ trained[HEAD_WEIGHT].T + trained[HEAD_BIAS]


def same_share(a: np.ndarray, b: np.ndarray) -> float:
    """Share of rows whose top label is the same in scores `a` and `b`."""
    return round(float((a.argmax(1) == b.argmax(1)).mean()), 4)


def shipped_agreement(got: np.ndarray, logits: np.ndarray) -> dict:
    """How far the shipped graph's logits `got` are from what training measured on the same rows."""
    return {"rows": len(got), "same_top_label": same_share(got, logits),
            "max_abs_logit_diff": round(float(np.abs(got - logits).max()), 4)}


def rounding_error(trained: dict, base, packed: dict) -> dict:
    """RMS rounding error of the packed encoder matrices, relative to the trained change and to the weights."""
    whole = unpack_delta(packed, base)
    names = [k for k, v in trained.items() if k.startswith("encoder.") and np.ndim(v) == 2]
    err = sum(float(((whole[k] - trained[k]) ** 2).sum()) for k in names)
    change = sum(float(((trained[k] - base(k)) ** 2).sum()) for k in names)
    size = sum(float((trained[k] ** 2).sum()) for k in names)
    return {"of_change": round((err / change) ** 0.5, 4) if change else 0.0,
            "of_weights": round((err / size) ** 0.5, 5) if size else 0.0}


def token_counts(checkpoint: Path, texts: list[str]) -> np.ndarray:
    """Tokens per text as e5 reads it ("query: " prefix, special tokens), uncut."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(checkpoint / "tokenizer.json"))
    tok.no_truncation()
    return np.array([len(e.ids) for e in tok.encode_batch([QUERY_PREFIX + (t or " ") for t in texts])])


def label_accuracy(scores: np.ndarray, y: np.ndarray, binary: np.ndarray) -> float | None:
    """Share (x100) of rows whose top label is right, None without rows; binary rows compare negative
    with positive only."""
    if not len(y):
        return None
    two = np.where(scores[:, POS] > scores[:, NEG], POS, NEG)
    pred = np.where(binary, two, scores.argmax(1))
    return round(100 * float((pred == y).mean()), 1)


def mean_macro_f1(rows: Rows, index: np.ndarray, probs: np.ndarray) -> tuple[float, dict[str, float]]:
    """(mean over datasets, per dataset) macro-F1 (x100) of held-out rows `index` (finetune_e5's rule)."""
    per = macro_f1_by_dataset(rows, index, probs)
    return round(float(np.mean(list(per.values()))), 2), per


def confidence_report(probs: np.ndarray, y: np.ndarray, threshold: float) -> dict:
    """Share flagged uncertain and the accuracy of flagged vs unflagged rows (3-class rows)."""
    top = probs.max(1)
    right = probs.argmax(1) == y
    flagged = top < threshold
    return {
        "rows": int(len(y)), "uncertain_below": threshold,
        "uncertain_share": round(100 * float(flagged.mean()), 1),
        "accuracy_uncertain": round(100 * float(right[flagged].mean()), 1) if flagged.any() else None,
        "accuracy_confident": round(100 * float(right[~flagged].mean()), 1) if (~flagged).any() else None,
    }


def ngram_model(texts: list[str], y: np.ndarray, train: np.ndarray, alpha: float = 1e-5, loss: str = "modified_huber"):
    """(idf fp16→fp32, coef, intercept) of the n-gram model fitted on rows `train` (the MiniLM recipe;
    `alpha` and `loss` are varied only by tools/sentiment/stacker_variants.py)."""
    from sklearn.linear_model import SGDClassifier

    counts = ngram_counts([texts[i] for i in train])
    idf = fit_idf(counts).astype(np.float16).astype(np.float32)  # as shipped (fp16)
    model = SGDClassifier(loss=loss, alpha=alpha, max_iter=20, tol=None, class_weight="balanced",
                          random_state=SEED).fit(ngram_tfidf(counts, idf), y[train])
    coef = model.coef_.astype(np.float16).astype(np.float32)
    return idf, coef, model.intercept_.astype(np.float32)


def cv_predict(fit, predict, n: int, strata: np.ndarray) -> np.ndarray:
    """Out-of-fold probabilities from `fit(train_idx)` → params, `predict(params, test_idx)` → probs."""
    from sklearn.model_selection import StratifiedKFold

    out = np.zeros((n, 3))
    for tr, te in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(np.zeros(n), strata):
        out[te] = predict(fit(tr), te)
    return out


@dataclass
class HeldOut:
    """A fine-tuning run's held-out train rows, as the stacker is fitted and scored on them."""

    info: dict  # the run's finetune.json
    rows: Rows
    index: np.ndarray  # positions of the held-out rows in `rows`
    logits: np.ndarray  # the trained head's, fp64
    y: np.ndarray
    dataset: np.ndarray
    binary: np.ndarray
    weight: np.ndarray
    texts: list[str]
    langs: list[str]  # each row's dataset language, or "other" for a seeded OTHER_LANG_RATE of them


def run_files(run_dir: Path, logits_only: bool = False) -> tuple[dict, Path | None]:
    """The fine-tuning's settings (finetune.json) and its held-out logits' file, for a finetune_e5 run.

    With `logits_only` (a caller that reads the held-out logits, never the trained layers): the run's
    delta.safetensors may be absent (runs brought back from a GPU machine keep one delta at most), and
    `run_dir` may be a model calibrate_e5 wrote (nlp/models/default, no file of logits: None), whose
    logits held_out_rows computes with the model itself, so that the shipped model can be the
    reference of a comparison on a machine that no longer has its run."""
    if logits_only and (run_dir / "model.json").is_file() and not (run_dir / "finetune.json").is_file():
        try:
            info = json.loads((run_dir / "model.json").read_text(encoding="utf-8"))["training"]
            if not isinstance(info, dict) or not isinstance(info.get("datasets"), list):
                raise ValueError("no training settings with their datasets")
        except (ValueError, KeyError, TypeError) as e:
            raise click.ClickException(f"{run_dir / 'model.json'} is damaged ({e!r}): restore it with git") from None
        return info, None
    needed = ("finetune.json", "holdout.npz") + (() if logits_only else ("delta.safetensors",))
    missing = [name for name in needed if not (run_dir / name).is_file()]
    if missing:
        also = ", or a model calibrate_e5 wrote (model.json)" if logits_only else ""
        raise click.ClickException(f"{run_dir} is not a finetune_e5 run (no {', '.join(missing)}): "
                                   f"give the --out directory of python -m tools.sentiment.finetune_e5{also}")
    return json.loads((run_dir / "finetune.json").read_text(encoding="utf-8")), run_dir / "holdout.npz"


def model_logits(model_dir: Path, texts: list[str]) -> np.ndarray:
    """The head's logits of a model calibrate_e5 wrote, as it runs (packed delta, ONNX): what a
    comparison with that model sees. They differ from its run's trained layers' by at most
    model.json's `shipped_vs_trained.max_abs_logit_diff`."""
    return np.asarray(E5SentimentModel(model_dir).logits(texts), dtype=np.float64)


def held_out_rows(run_dir: Path, rows: Rows | None = None, logits_only: bool = False) -> HeldOut:
    """The held-out rows of `run_dir` (finetune_e5's output), checked against the data ../shared holds now.

    `rows`: load_rows' result, when the caller already has it (it is the same for every run of one
    hold-out fold; for a run of another fold, that fold's rows are loaded instead).
    `logits_only`: the caller reads only the held-out logits, not the trained layers (run_files)."""
    info, logits_file = run_files(run_dir, logits_only)
    fold = info.get("holdout_fold", 0)  # runs before folds existed all held out fold 0
    if rows is None or rows.fold != fold:
        rows = load_rows(np.random.default_rng(SEED), fold)  # the fine-tuning's rows and hold-out, rebuilt identically
    if logits_file is None:
        index = np.flatnonzero(rows.holdout)
        same = rows.names == info["datasets"] and len(index) == info.get("held_out_rows")
    else:
        held = np.load(logits_file)
        index = held["index"]
        same = rows.names == info["datasets"] and np.array_equal(np.flatnonzero(rows.holdout), index)
    if not same:
        raise click.ClickException(f"{run_dir} was fine-tuned on other data than ../shared holds now: "
                                   "rerun finetune_e5")
    texts = [rows.texts[i] for i in index]
    logits = model_logits(run_dir, texts) if logits_file is None else held["logits"].astype(np.float64)
    dataset = rows.dataset[index]
    rng = np.random.default_rng(SEED)
    return HeldOut(
        info=info, rows=rows, index=index, logits=logits, y=rows.y[index],
        dataset=dataset, binary=np.array([rows.names[d].split("/")[0] in BINARY_DATASETS for d in dataset]),
        weight=class_weights(rows)[index], texts=texts,
        langs=[rows.names[d].split("/")[1] if rng.random() >= OTHER_LANG_RATE else "other" for d in dataset])


def stacker_cv(x: np.ndarray, h: HeldOut, l2: float, free: np.ndarray | None = None) -> np.ndarray:
    """Out-of-fold probabilities of the stacker on inputs `x` of `h`'s rows: how every stacker is scored."""
    return cv_predict(lambda tr: fit_stacker(x[tr], h.y[tr], h.binary[tr], h.weight[tr], l2, free),
                      lambda w, te: softmax(x[te] @ w.T), len(h.y), h.dataset)


@click.command()
@click.option("--run", "run_dir", type=click.Path(path_type=Path, exists=True), required=True)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True)
@click.option("--delta-bits", type=click.Choice(["8", "4"]), default="4", show_default=True,
              help="Quantization of the trained matrices' differences from the base: 4 halves the delta (the "
                   "shipped 12 trained layers, which int8 would not fit in 25 MB); 8 for a run of fewer layers. "
                   "model.json says what it costs")
def main(run_dir: Path, out_dir: Path, delta_bits: str) -> None:
    """Choose temperature vs stacker by CV on the held-out train rows, fit it, write the model into OUT."""
    from safetensors.numpy import save_file

    start = time.monotonic()
    h = held_out_rows(run_dir)
    info, rows, index, logits, y, dataset = h.info, h.rows, h.index, h.logits, h.y, h.dataset
    binary, weight, texts, langs = h.binary, h.weight, h.texts, h.langs

    idf, coef, intercept = ngram_model(rows.texts, rows.y, np.flatnonzero(~rows.holdout))
    ng = ngram_log_probs(texts, idf, coef, intercept)
    x = stack_inputs(logits, ng, texts, langs, LEXICON_LANGS)
    click.echo(f"[{time.monotonic() - start:.0f}s] n-gram model and stacker inputs ready ({x.shape})", err=True)

    candidates: dict[str, np.ndarray] = {
        "temperature": cv_predict(lambda tr: fit_temperature(logits[tr], y[tr], binary[tr]),
                                  lambda t, te: softmax(logits[te] / t), len(y), dataset),
    }
    for l2 in L2_GRID:
        candidates[f"stacker(l2={l2:g})"] = stacker_cv(x, h, l2)
    scores = {name: mean_macro_f1(rows, index, p) for name, p in candidates.items()}
    for name, (mean, per) in scores.items():
        click.echo(f"  {name:22s} CV mean macro-F1 {mean}: " + ", ".join(f"{k} {v}" for k, v in per.items()), err=True)
    best = max(scores, key=lambda k: scores[k][0])
    click.echo(f"[{time.monotonic() - start:.0f}s] chosen: {best}", err=True)

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "weights.safetensors").unlink(missing_ok=True)
    checkpoint = ensure_checkpoint()
    first, cut = info["trained_layers"][0], info["max_tokens"]
    trained = load_delta(run_dir / "delta.safetensors", checkpoint)
    base = checkpoint_tensor(checkpoint)
    packed = pack_delta(trained, base, bits=int(delta_bits))
    save_file(packed, str(out_dir / "delta.safetensors"))
    got = shipped_logits(out_dir / "delta.safetensors", first, trained, texts, cut)
    shipped = shipped_agreement(got, logits) | {"delta_bits": int(delta_bits),
                                                "rounding_error": rounding_error(trained, base, packed)}
    click.echo(f"[{time.monotonic() - start:.0f}s] packed delta on ONNX vs the trained layers: {json.dumps(shipped)}",
               err=True)
    long = np.flatnonzero(token_counts(checkpoint, texts) > cut)
    whole = shipped_logits(out_dir / "delta.safetensors", first, trained, [texts[i] for i in long], E5_CONTEXT)
    long_texts = {
        "rows": int(len(long)), "cut_at": cut, "whole_up_to": E5_CONTEXT,
        "by_dataset": {rows.names[d]: int((dataset[long] == d).sum()) for d in np.unique(dataset[long])},
        "head_accuracy_cut": label_accuracy(logits[long], y[long], binary[long]),
        "head_accuracy_whole": label_accuracy(whole, y[long], binary[long]),
    }
    click.echo(f"[{time.monotonic() - start:.0f}s] held-out rows over {cut} tokens: {json.dumps(long_texts)}", err=True)
    combine: dict = {"kind": "temperature" if best == "temperature" else "stacker"}
    if best == "temperature":
        combine["temperature"] = round(fit_temperature(logits, y, binary), 4)
    else:
        w = fit_stacker(x, y, binary, weight, float(best.split("=")[1].rstrip(")")))
        # the final labels as shipped: the stacker on the packed graph's logits against on the trained ones'
        shipped["same_final_label"] = same_share(stack_inputs(got, ng, texts, langs, LEXICON_LANGS) @ w.T, x @ w.T)
        save_file({"ng_idf": idf.astype(np.float16), "ng_coef": coef.astype(np.float16),
                   "ng_intercept": intercept, "stack_coef": w.astype(np.float32)},
                  str(out_dir / "weights.safetensors"))
        combine |= {"l2": float(best.split("=")[1].rstrip(")")),
                    "lexicons": {"langs": list(LEXICON_LANGS), "width": LEXICON_WIDTH,
                                 "sha256": lexicon_digest(LEXICON_LANGS)}}
    three = ~binary
    manifest = {
        "format": E5_FORMAT,
        "labels": list(LABELS),
        "encoder": {"base": info["base"], "first_trained_layer": info["trained_layers"][0],
                    "max_tokens": cut, "query_prefix": info["query_prefix"]},
        "combine": combine,
        "selection": {
            "method": f"{FOLDS}-fold CV on the {len(y)} held-out train rows (never fine-tuned on); dev not read",
            "cv_mean_macro_f1": {name: s[0] for name, s in scores.items()},
            "cv_macro_f1_by_dataset": {name: s[1] for name, s in scores.items()},
            "chosen": best,
            "confidence_cv": confidence_report(candidates[best][three], y[three], UNCERTAIN_BELOW),
        },
        "head_alone": head_alone_entry(logits, y, binary, candidates["temperature"]),
        "shipped_vs_trained": shipped,
        "long_texts": long_texts,
        "training": {k: v for k, v in info.items() if k != "base"},
    }
    (out_dir / "model.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in out_dir.iterdir())
    click.echo(f"wrote {out_dir} ({size / 1e6:.1f} MB): {json.dumps(manifest['selection']['confidence_cv'])}")


if __name__ == "__main__":
    main()
