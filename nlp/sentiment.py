"""Sentiment models behind one interface: the shipped default, or any Hugging Face checkpoint.

    model = load_sentiment_model()            # nlp/models/default: fine-tuned multilingual-e5-small
    model = load_sentiment_model("minilm")    # nlp/models/minilm: MiniLM + n-grams, stacked per language
    model = load_sentiment_model("cardiffnlp/twitter-xlm-roberta-base-sentiment")  # or a local path
    model.predict(["great phone", "worst support ever"])  # -> [Prediction(...), ...]

Heavy libraries (torch, transformers, sklearn) are imported on first use, not at import.
The common interface (`SentimentModel`, `Prediction`) is nlp/sentiment_base.py.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nlp.config import DEFAULT_BACKEND
from nlp.e5_sentiment import E5_MODEL_DIR, E5SentimentModel
from nlp.embeddings import SentenceEmbeddings
from nlp.encoder import embed, encoder_path, length_buckets, set_threads
from nlp.features import EMBED_LAYERS, cached_embeddings, ngram_counts, ngram_tfidf
from nlp.langid import fill_languages
from nlp.lexicon import check_lexicons
from nlp.model_files import (
    LABELS,
    MINILM_MODEL_DIR,
    english_block,
    lexicon_features,
    load_default_weights,
    softmax,
    stack_features,
)
from nlp.model_source import backend_problem, import_train, model_problem
from nlp.onnx_encoder import DEFAULT_VARIANT, shared_encoder
from nlp.sentiment_base import SentimentModel, files_version

MINILM_MODEL_NAME = "groundswell-minilm-sentiment"


class MiniLMSentimentModel(SentimentModel):
    """The shipped model: MiniLM head + n-gram model (+ English head, VADER, word lists), stacked per language."""

    def __init__(
        self,
        model_dir: Path = MINILM_MODEL_DIR,
        uncertain_below: float = 0.5,
        cache_embeddings: bool = False,
        backend: str = DEFAULT_BACKEND,
        onnx_variant: str | None = None,
    ) -> None:
        """`cache_embeddings`: keep encoder features on disk by text (for repeated evaluation runs; torch only).

        `backend`: "onnx" to run the encoder on ONNX Runtime (its graph built and cached at first
        use, see nlp/onnx_encoder.py; the default, `nlp.config.DEFAULT_BACKEND`), or "torch";
        `onnx_variant`: "int8" or "fp32" (default: the shipped choice, `nlp.onnx_encoder.DEFAULT_VARIANT`).
        """
        if backend not in ("torch", "onnx"):
            raise ValueError(f"backend must be 'torch' or 'onnx', not {backend!r}")
        if backend == "onnx" and cache_embeddings:
            raise ValueError("cache_embeddings holds torch features: use it with backend='torch' only")
        self.cache_embeddings = cache_embeddings
        self.model_dir = Path(model_dir)
        self.manifest, self.w = load_default_weights(self.model_dir)
        self.name = MINILM_MODEL_NAME
        self.uncertain_below = uncertain_below
        self.backend = backend
        self._check_parts()
        self._onnx = None
        if backend == "onnx":
            self._onnx = shared_encoder(tuple(self.manifest["encoder"]["layers"]), onnx_variant or DEFAULT_VARIANT)
        runtime = f"onnx/{onnx_variant or DEFAULT_VARIANT}" if backend == "onnx" else "torch"
        shipped = sorted(self.model_dir.glob("*.json")) + sorted(self.model_dir.glob("*.safetensors"))
        self.version = files_version(shipped, runtime)

    def _check_parts(self) -> None:
        """The encoder and word lists installed here must be the ones the model was trained with."""
        check_lexicons(self.manifest["lexicons"], self.model_dir, "make train-sentiment-minilm")

        want = self.manifest["encoder"]["weights_bytes"]
        have = (encoder_path() / "model.safetensors").stat().st_size
        if want != have:
            raise RuntimeError(
                f"{self.model_dir} was trained on an encoder of {want} bytes but the installed "
                f"{self.manifest['encoder']['package']} has {have}: install version "
                f"{self.manifest['encoder']['version']} or retrain with `make train-sentiment-minilm`"
            )

    def base_log_probs(
        self, texts: list[str], batch_size: int = 64, keep: SentenceEmbeddings | None = None
    ) -> tuple[Any, Any, Any]:
        """Log-probabilities of the embedding head, the n-gram model and the English head (texts already normalised).

        One encoder pass: both encoder heads read the same features. `keep` receives the sentence
        embeddings among them, so themes over the same texts need no second encoder pass.
        """
        emb = self.encode(texts, batch_size)
        return self.head_log_probs(texts, emb)

    def encode(self, texts: list[str], batch_size: int = 64) -> Any:
        """Encoder features: mean-pooled hidden layers of the manifest, concatenated (texts already normalised)."""
        layers = tuple(self.manifest["encoder"]["layers"])
        if self.cache_embeddings:
            assert layers == EMBED_LAYERS, "model was trained with other layers than nlp.features uses"
            return cached_embeddings(texts, progress=False)
        if self._onnx is not None:
            return self._onnx.embed(texts, batch_size=batch_size)
        return embed(texts, layers=layers, batch_size=batch_size)

    def head_log_probs(self, texts: list[str], emb: Any) -> tuple[Any, Any, Any]:
        """Log-probabilities of the embedding head and the English head (both on `emb`, from `encode`)
        and of the n-gram model. The English head is computed for every row; `combine` uses it only
        for rows in the "en" language group."""
        import numpy as np

        w = self.w
        z = (emb - w["scaler_mean"]) / w["scaler_scale"]
        p_emb = softmax(z @ w["emb_coef"].T + w["emb_intercept"])
        p_en = softmax(z @ w["en_coef"].T + w["en_intercept"])
        x = ngram_tfidf(ngram_counts(texts), w["ng_idf"])
        p_ng = softmax(np.asarray(x @ w["ng_coef"].T) + w["ng_intercept"])
        return tuple(np.log(np.clip(p, 1e-6, 1.0)) for p in (p_emb, p_ng, p_en))

    def _probabilities(
        self, texts: list[str], langs: list[str | None] | None, batch_size: int, keep: SentenceEmbeddings | None = None
    ) -> Any:
        langs = fill_languages(texts, langs)
        lp_emb, lp_ng, lp_en = self.base_log_probs(texts, batch_size, keep)
        return self.combine(lp_emb, lp_ng, lp_en, texts, langs)

    def combine(self, lp_emb: Any, lp_ng: Any, lp_en: Any, texts: Sequence[str], langs: Sequence[str | None]) -> Any:
        """Final probabilities from the parts' log-probabilities, per language group.

        For rows in the "en" group the stacker also reads the English head and VADER scores of
        `texts` (already normalised), and for rows in a language with a word list (the manifest's
        `lexicons.langs`) that list's scores; for the others those blocks are zero.
        """
        lexicon = lexicon_features(texts, langs, self.manifest["lexicons"]["langs"])
        x = stack_features(lp_emb, lp_ng, english_block(lp_en, texts, langs), lexicon, langs)
        return softmax(x @ self.w["stack_coef"].T + self.w["stack_intercept"])


# Label names seen in published checkpoints' id2label, mapped onto ours.
_LABEL_ALIASES = {
    "negative": "negative", "neg": "negative", "n": "negative", "bad": "negative",
    "neutral": "neutral", "neu": "neutral", "neut": "neutral", "none": "neutral", "objective": "neutral",
    "positive": "positive", "pos": "positive", "p": "positive", "good": "positive",
}


def map_labels(id2label: dict[Any, str]) -> dict[int, str]:
    """Our label for each class index of a checkpoint; ValueError naming any label we cannot map."""
    mapping, unknown = {}, []
    for idx, raw in id2label.items():
        ours = _LABEL_ALIASES.get(str(raw).strip().lower())
        if ours is None:
            unknown.append(f"{idx}: {raw!r}")
        else:
            mapping[int(idx)] = ours
    if unknown:
        raise ValueError(
            f"cannot map label(s) {', '.join(unknown)} of the checkpoint's config.id2label to "
            f"negative/neutral/positive; set id2label in its config.json to names such as "
            f"'negative', 'neutral', 'positive'"
        )
    if not {"negative", "positive"} <= set(mapping.values()):
        raise ValueError(f"checkpoint labels {sorted(set(mapping.values()))} lack negative and/or positive")
    return mapping


class HuggingFaceSentimentModel(SentimentModel):
    """Any `AutoModelForSequenceClassification` checkpoint (hub name or local folder)."""

    def __init__(self, name_or_path: str, uncertain_below: float = 0.5, max_tokens: int = 256) -> None:
        needed_by = f"the Hugging Face checkpoint {name_or_path!r}"
        transformers = import_train("transformers", needed_by)
        import_train("torch", needed_by)  # it runs on torch: said now, not at the first batch

        local = Path(name_or_path).exists()
        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(name_or_path, local_files_only=local)
            self.model = transformers.AutoModelForSequenceClassification.from_pretrained(
                name_or_path, local_files_only=local)
        except (OSError, ValueError) as exc:  # ValueError: huggingface_hub's refusal of a path as a repo id
            # Its own words ("Repo id must be in the form …") name no setting: say which, and what to do.
            reason = model_problem(name_or_path) or f"cannot load sentiment model {name_or_path!r}: {exc}"
            raise ValueError(reason) from None
        self.model.eval()
        self.index_to_label = map_labels(self.model.config.id2label)
        self.name = name_or_path
        self.uncertain_below = uncertain_below
        self.max_tokens = min(max_tokens, getattr(self.tokenizer, "model_max_length", max_tokens) or max_tokens)

    def _probabilities(
        self, texts: list[str], langs: list[str | None] | None, batch_size: int, keep: SentenceEmbeddings | None = None
    ) -> Any:
        # `keep` goes unused: a checkpoint's own encoder gives no MiniLM sentence embeddings to hand to themes.
        import numpy as np

        torch = import_train("torch", f"the Hugging Face checkpoint {self.name!r}")
        set_threads()
        out = np.zeros((len(texts), 3), dtype=np.float64)
        with torch.inference_mode():
            for idx in length_buckets(texts, batch_size):
                enc = self.tokenizer(
                    [texts[i] or " " for i in idx], padding=True, truncation=True,
                    max_length=self.max_tokens, return_tensors="pt",
                )
                p = torch.softmax(self.model(**enc).logits.float(), dim=-1).numpy()
                for col, ours in self.index_to_label.items():
                    out[idx, LABELS.index(ours)] += p[:, col]
        return out


def load_sentiment_model(
    name: str = "default", backend: str | None = None, uncertain_below: float = 0.5, onnx_variant: str | None = None,
    model_dir: Path | None = None, combine: str = "shipped",
) -> SentimentModel:
    """The shipped model ("default"), the MiniLM model ("minilm"), or a Hugging Face checkpoint by name/path.

    "default" is fine-tuned multilingual-e5-small (nlp/e5_sentiment.py); it runs on ONNX Runtime only.
    `model_dir` replaces its folder (nlp/models/default) with a candidate that
    `tools.sentiment.calibrate_e5 --out` wrote, to measure it before it ships.
    "minilm" (the default before it: MiniLM + n-grams, stacked per language) runs on `backend`
    "onnx" or "torch" (None: `nlp.config.DEFAULT_BACKEND`). A Hugging Face checkpoint runs on torch
    only. `onnx_variant`: "fp32" or "int8" for the two shipped models. `combine` (`nlp.sentiment_combine`):
    "shipped", or "head" for the default model's e5 head without its stacker.
    """
    if combine != "shipped" and name != "default":
        raise ValueError(f"sentiment_combine: {combine!r} is an option of the default model only, not of {name!r}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if backend not in ("torch", "onnx", None):
        raise ValueError(f"backend must be 'torch' or 'onnx', not {backend!r}")
    if model_dir is not None and name != "default":
        raise ValueError(f"model_dir is a candidate of the default model, not of {name!r}")
    if problem := backend_problem(name, backend):  # the rule `config check` reports too (nlp/model_source.py)
        raise ValueError(problem)
    if name == "default":
        return E5SentimentModel(model_dir or E5_MODEL_DIR, uncertain_below=uncertain_below, onnx_variant=onnx_variant,
                                combine=combine)
    if name == "minilm":
        return MiniLMSentimentModel(
            uncertain_below=uncertain_below, backend=backend or DEFAULT_BACKEND, onnx_variant=onnx_variant
        )
    return HuggingFaceSentimentModel(name, uncertain_below=uncertain_below)
