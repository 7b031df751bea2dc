"""Bring fine-tuning runs back from a GPU machine within what the device tool returns, and rebuild them here.

    python -m tools.sentiment.gpu_outputs pack --runs DIR --delta-of NAME --out "$OUT"    (there)
    python -m tools.sentiment.gpu_outputs unpack --files DIR --out build/gpu/runs        (here)

The device tool returns at most 8 files of at most 16 MB each (64 MB together). A run is its
finetune.json and holdout.npz (about 0.2 MB: all that compare_runs needs) and its trained layers
(delta.safetensors: 85 MB in fp32 for all 12 layers: what calibrate_e5 needs to ship it). So:
- every run's finetune.json and holdout.npz go into one `runs.tar.gz`;
- the trained layers of one run (`--delta-of`, named before the runs are scored, so that the one
  brought back is not the luckiest) go in fp16, split by layer into files under 15 MB. fp16 rounds
  a weight by at most 2^-11 of itself, a tenth of what the shipped int4 packing rounds it by.
`unpack` writes the runs into `--out`, the chosen one with its delta back in fp32, ready for
calibrate_e5; the others serve compare_runs (which needs no delta).
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import click
import numpy as np

RUN_FILES = ("finetune.json", "holdout.npz")
ARCHIVE = "runs.tar.gz"
CHUNK_BYTES = 15_000_000


def delta_chunks(delta: dict[str, np.ndarray], limit: int = CHUNK_BYTES) -> list[dict[str, np.ndarray]]:
    """The tensors of `delta` in fp16, grouped in name order into parts of at most `limit` bytes each."""
    parts: list[dict[str, np.ndarray]] = [{}]
    size = 0
    for name in sorted(delta):
        t = np.ascontiguousarray(delta[name], dtype=np.float16)
        if t.nbytes > limit:
            raise ValueError(f"tensor {name} alone is {t.nbytes} bytes, over the {limit}-byte part size")
        if size + t.nbytes > limit and parts[-1]:
            parts.append({})
            size = 0
        parts[-1][name] = t
        size += t.nbytes
    return parts


def pack_runs(runs_dir: Path, delta_of: str | None, out: Path) -> list[Path]:
    """Write `runs_dir`'s runs (each a finetune_e5 --out folder) as the files the device tool returns."""
    from safetensors.numpy import load_file, save_file

    runs = sorted(p for p in runs_dir.iterdir() if (p / "finetune.json").is_file())
    if not runs:
        raise click.ClickException(f"{runs_dir} holds no finetune_e5 run (no */finetune.json)")
    out.mkdir(parents=True, exist_ok=True)
    written = [out / ARCHIVE]
    with tarfile.open(out / ARCHIVE, "w:gz") as tar:
        for run in runs:
            for name in RUN_FILES:
                tar.add(run / name, arcname=f"{run.name}/{name}")
    if delta_of is not None:
        source = runs_dir / delta_of / "delta.safetensors"
        if not source.is_file():
            raise click.ClickException(f"--delta-of {delta_of}: no {source}")
        for k, part in enumerate(delta_chunks(load_file(str(source))), 1):
            written.append(out / f"delta-{delta_of}-{k}.safetensors")
            save_file(part, str(written[-1]), metadata={"run": delta_of, "part": str(k)})
    return written


def unpack_runs(files: Path, out: Path) -> list[Path]:
    """Rebuild the run folders from the files pack_runs wrote (a delta, if any, back in fp32)."""
    from safetensors.numpy import load_file, save_file

    archive = files / ARCHIVE
    if not archive.is_file():
        raise click.ClickException(f"{files}: no {ARCHIVE} (what gpu_outputs pack writes)")
    out.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
        for m in members:  # only run/file names: nothing may land outside `out`
            parts = Path(m.name).parts
            if not m.isfile() or len(parts) != 2 or parts[1] not in RUN_FILES or parts[0] in ("", ".", ".."):
                raise click.ClickException(f"{archive}: unexpected member {m.name!r}")
        tar.extractall(out, members=members, filter="data")
    runs = sorted({out / Path(m.name).parts[0] for m in members})
    deltas: dict[str, dict] = {}
    for part in sorted(files.glob("delta-*-*.safetensors")):
        name = part.name[len("delta-"):].rsplit("-", 1)[0]
        deltas.setdefault(name, {}).update({k: v.astype(np.float32) for k, v in load_file(str(part)).items()})
    for name, tensors in deltas.items():
        if not (out / name / "finetune.json").is_file():
            raise click.ClickException(f"{files}: a delta of {name}, which is not among the runs in {ARCHIVE}")
        save_file(tensors, str(out / name / "delta.safetensors"))
    return runs


@click.group()
def main() -> None:
    """Fine-tuning runs to and from the files a GPU machine sends back."""


@main.command("pack")
@click.option("--runs", "runs_dir", type=click.Path(path_type=Path, file_okay=False, exists=True), required=True)
@click.option("--delta-of", default=None, help="The one run (a folder name in --runs) whose trained layers come back")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), required=True)
def pack_command(runs_dir: Path, delta_of: str | None, out_dir: Path) -> None:
    """Pack RUNS for the trip back (on the GPU machine)."""
    written = pack_runs(runs_dir, delta_of, out_dir)
    click.echo(json.dumps({p.name: p.stat().st_size for p in written}))


@main.command("unpack")
@click.option("--files", "files_dir", type=click.Path(path_type=Path, file_okay=False, exists=True), required=True)
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), required=True)
def unpack_command(files_dir: Path, out_dir: Path) -> None:
    """Rebuild the runs from the files that came back (here)."""
    for run in unpack_runs(files_dir, out_dir):
        click.echo(f"{run}{' (with its trained layers)' if (run / 'delta.safetensors').is_file() else ''}")


if __name__ == "__main__":
    main()
