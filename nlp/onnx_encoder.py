"""ONNX Runtime backend for the default model's encoder (`nlp.backend: onnx`).

The encoder's graph is built once, at first use, straight from the checkpoint's safetensors by
nlp/bert_onnx.py (no torch), with the mean pooling of the hidden layers the sentiment model needs
built in: inputs `input_ids` and `attention_mask` (dynamic batch and sequence axes), one output
`pooled` of shape (batch, 384 × len(layers)) — the same features `nlp.encoder.embed` computes with torch.

Graphs live in ~/.cache/groundswell/onnx/ ($XDG_CACHE_HOME is honoured; $GROUNDSWELL_ONNX_CACHE
overrides the folder; nlp/model_cache.py), one file per (encoder weights' size and SHA-256, layers, opset, export
format, variant, onnxruntime version): a change to any of them builds again instead of reusing a
stale graph. Variants:

- "fp32": the built graph as is (features equal torch's to ~2e-6);
- "int8": `onnxruntime.quantization.quantize_dynamic` of the fp32 graph (int8 weights).

Building needs `onnx` (its helper module writes the graph) and `safetensors`; running a cached graph
needs only onnxruntime and `tokenizers`. Neither imports torch. Heavy imports stay lazy.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlp.bert_onnx import write_model
from nlp.encoder import ENCODER_PACKAGE, MAX_TOKENS, encoder_path, inference_threads, length_buckets
from nlp.model_cache import cache_folder, writing_cache
from nlp.model_source import ModelUnavailable

if TYPE_CHECKING:
    import numpy as np

# Bump when the built graph changes (nlp/bert_onnx.py, pooling, inputs/outputs): old cache entries are then ignored.
# 2: built by nlp/bert_onnx.py from the safetensors (1 was torch.onnx.export).
EXPORT_FORMAT = 2
OPSET = 18
VARIANTS = ("int8", "fp32")
# fp32, because int8 does not keep every dev set's macro-F1 within 0.5 point of torch: per-channel
# int8 moves it by up to 1.17 points (tweeteval/en; umsab/de -0.63), per-tensor int8 by up to 2.29
# (umsab/it). fp32 gives torch's numbers on every set; int8 stays available (onnx_variant="int8").
# Sources: docs/sentiment-eval{,-onnx-fp32,-onnx-int8}.json, docs/model-card.md ("Speed").
DEFAULT_VARIANT = "fp32"
# int8: dynamic quantization of the weights, one scale per output channel (closer to fp32 than one per tensor).
QUANTIZE_PER_CHANNEL = True


ONNXRUNTIME_MISSING = ("the sentiment models and sentence embeddings run on ONNX Runtime, which is not installed: "
                       "pip install onnxruntime (the version requirements.txt pins)")


def import_onnxruntime() -> Any:
    """The onnxruntime module, or `ModelUnavailable` saying how to install it. Every import of onnxruntime goes
    through here: its telemetry is off unless the environment says otherwise (`ORT_DISABLE_TELEMETRY`)."""
    # onnxruntime 1.32 records a telemetry event at import (a device id, the OS, the interpreter path) under
    # $XDG_CACHE_HOME/Microsoft; a self-hosted tool sends nothing it was not asked to (docs/security.md).
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    try:
        import onnxruntime
    except ImportError:
        # No "use torch instead": the default model and the sentence embeddings run on ONNX Runtime only.
        raise ModelUnavailable(ONNXRUNTIME_MISSING) from None
    return onnxruntime


def onnx_cache_dir() -> Path:
    """$GROUNDSWELL_ONNX_CACHE, else ~/.cache/groundswell/onnx ($XDG_CACHE_HOME honoured)."""
    return cache_folder("onnx")


def file_sha256(path: Path | str) -> str:
    """SHA-256 of a file, remembered per (path, size, mtime): weights are hashed once per process."""
    st = Path(path).stat()
    return _sha256(str(path), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=8)
def _sha256(path: str, size: int, mtime_ns: int) -> str:  # size and mtime only key the memo
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_settings(layers: Sequence[int], variant: str) -> dict:
    """Everything the exported file depends on; its hash names the cache entry."""
    if variant not in VARIANTS:
        raise ValueError(f"ONNX variant must be one of {', '.join(VARIANTS)}, not {variant!r}")
    ort = import_onnxruntime()
    weights = encoder_path() / "model.safetensors"
    return {
        "format": EXPORT_FORMAT,
        "encoder": ENCODER_PACKAGE,
        "encoder_bytes": weights.stat().st_size,
        "encoder_sha256": file_sha256(weights),
        "layers": [int(x) for x in layers],
        "opset": OPSET,
        "exporter": "nlp.bert_onnx",
        "variant": variant,
        "quantization": f"dynamic QInt8, per_channel={QUANTIZE_PER_CHANNEL}" if variant == "int8" else None,
        "onnxruntime": ort.__version__,
    }


def onnx_model_path(layers: Sequence[int], variant: str) -> Path:
    settings = export_settings(layers, variant)
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]
    return onnx_cache_dir() / f"minilm-{variant}-{key}.onnx"


def ensure_onnx_model(layers: Sequence[int], variant: str = DEFAULT_VARIANT) -> Path:
    """Path of the cached ONNX encoder for `layers` and `variant`, building (and quantizing) it first if absent.

    Files are written under a temporary name and renamed into place, so concurrent first uses at
    worst build twice; they never read a half-written file.
    """
    return cached_graph(
        onnx_model_path(layers, variant),
        variant,
        export=lambda out: _export(layers, out),
        fp32=lambda: ensure_onnx_model(layers, "fp32"),
        settings=lambda: export_settings(layers, variant),
    )


def cached_graph(
    path: Path, variant: str, *, export: Callable[[Path], None], fp32: Callable[[], Path],
    settings: Callable[[], dict],
) -> Path:
    """`path`, built first when absent: `export(out)` writes the fp32 graph, another variant quantizes the
    graph `fp32()` returns; `settings()` is written beside it (`.json`). Written under a temporary name and
    renamed into place, so concurrent first uses at worst build twice; they never read a half-written file."""
    # A cache that cannot be made, read or written (a service user's missing home): one line naming it and the
    # variables that move it (nlp/model_cache.py), not a bare "Permission denied" on some parent folder.
    with writing_cache(path.parent):
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.onnx")
        try:
            tmp.touch()  # an unwritable folder fails here, before minutes of building
            if variant == "fp32":
                export(tmp)
            else:
                quantize_int8(fp32(), tmp)
            path.with_suffix(".json").write_text(json.dumps(settings(), indent=2) + "\n", encoding="utf-8")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return path


def require_onnx() -> None:
    """Building a graph needs the `onnx` package (only at first use): a clear error when it is absent."""
    if importlib.util.find_spec("onnx") is None:
        raise ModelUnavailable("building the encoder's ONNX graph (once, at first use) needs onnx: pip install onnx")


def _export(layers: Sequence[int], out: Path) -> None:
    """Write the encoder with mean pooling of `layers` built in (nlp/bert_onnx.py: onnx.helper, no torch)."""
    require_onnx()
    write_model(encoder_path(), layers, out, opset=OPSET)


def quantize_int8(fp32: Path, out: Path) -> None:
    import_onnxruntime()  # first: telemetry off before onnxruntime loads, and its install hint
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic logs "consider pre-processing" on every call
    try:
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=QUANTIZE_PER_CHANNEL)
    finally:
        root.setLevel(level)


def cpu_session(path: Path) -> Any:
    """An ONNX Runtime CPU session on `path`: threads = `inference_threads()`, one op at a time, all optimisations."""
    ort = import_onnxruntime()
    options = ort.SessionOptions()
    options.intra_op_num_threads = inference_threads()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def pad_batch(ids: Sequence[Sequence[int]], idx: Sequence[int], pad_id: int) -> tuple[Any, Any]:
    """(input_ids, attention_mask) int64 arrays for rows `idx` of `ids`, right-padded to the longest."""
    import numpy as np

    width = max(len(ids[i]) for i in idx)
    input_ids = np.full((len(idx), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(idx), width), dtype=np.int64)
    for row, i in enumerate(idx):
        input_ids[row, : len(ids[i])] = ids[i]
        mask[row, : len(ids[i])] = 1
    return input_ids, mask


class OnnxEncoder:
    """`embed` for one fixed set of layers, on ONNX Runtime (CPU), threads = `nlp.encoder.inference_threads()`."""

    def __init__(self, layers: Sequence[int], variant: str = DEFAULT_VARIANT) -> None:
        from tokenizers import Tokenizer

        self.layers = tuple(int(x) for x in layers)
        self.variant = variant
        self.path = ensure_onnx_model(self.layers, variant)
        self.session = cpu_session(self.path)
        # The fast tokenizer's own tokenizer.json (what transformers' BertTokenizerFast wraps): the same
        # ids as `load_tokenizer()(texts, truncation=True, max_length=MAX_TOKENS)` without importing torch.
        self.tokenizer = Tokenizer.from_file(str(encoder_path() / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()
        self.pad_id = self.tokenizer.token_to_id("[PAD]") or 0
        hidden = json.loads((encoder_path() / "config.json").read_text(encoding="utf-8"))["hidden_size"]
        self.dim = hidden * len(self.layers)

    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Mean-pooled states of `self.layers`, concatenated; one row per text (as `nlp.encoder.embed`).

        All texts are tokenized in one call, then batched by token count, so padding is minimal.
        `progress`: an "encoding" bar on stderr (as the torch path shows), for long silent passes.
        """
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self.tokenizer.encode_batch([t or " " for t in texts])]
        pad = self.pad_id
        batches: Any = length_buckets(ids, batch_size)  # by token count: the ids' lengths
        if progress:
            from tqdm import tqdm  # lazy: only long CLI passes draw a bar

            batches = tqdm(batches, desc="encoding", unit="batch", mininterval=5)
        for idx in batches:
            input_ids, mask = pad_batch(ids, idx, pad)
            out[idx] = self.session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]
        return out


def shared_encoder(layers: Sequence[int], variant: str = DEFAULT_VARIANT) -> OnnxEncoder:
    """One `OnnxEncoder` per graph file per process: sentiment and themes share its session.

    Keyed by the cached file's path, so another cache folder or another encoder is another session."""
    layers = tuple(int(x) for x in layers)
    return _encoder_for(ensure_onnx_model(layers, variant), layers, variant)


@lru_cache(maxsize=4)
def _encoder_for(path: Path, layers: tuple[int, ...], variant: str) -> OnnxEncoder:
    return OnnxEncoder(layers, variant)
