"""Keep fine-tuning runs' held-out logits in the repo, so that seeds trained on different machines and days
can be pooled by one comparison.

    python -m tools.sentiment.record_runs --run build/runs/l12-e3-s13 [--run ...] [--into docs/runs]
    python -m tools.sentiment.record_runs --list [--into docs/runs]

Why: the rule for replacing the shipped model (docs/model-card.md) pools five seeds of each setting, and a
2-core CPU trains one 12-layer seed a session at best, on a machine that is gone the next day. What
compare_runs needs of a run is its finetune.json and holdout.npz (about 0.2 MB), not its trained layers
(up to 85 MB). This command copies those two files into `--into/<run's folder name>/`, after checking them
against the data ../shared holds now (the same check compare_runs makes), so that later
`compare_runs --run docs/runs/A --run docs/runs/B ... --pool N` reads runs no machine still has.
A record is never overwritten by different files: a rerun of the same name is refused unless identical.
"""

from __future__ import annotations

import filecmp
import json
import shutil
from pathlib import Path

import click
import numpy as np

from tools.sentiment.calibrate_e5 import held_out_rows, run_files
from tools.sentiment.finetune_e5 import SEED, load_rows

RECORD_FILES = ("finetune.json", "holdout.npz")
RECORDS = Path(__file__).resolve().parents[2] / "docs" / "runs"


def describe(info: dict) -> str:
    """One line saying what a run is: setting, seed, epochs done, kept epoch and its held-out head score."""
    layers = len(info.get("trained_layers") or [])
    best = info.get("best_epoch")
    head = next((h.get("holdout_macro_f1_mean") for h in info.get("history", []) if h.get("epoch") == best), None)
    return (f"{layers} trained layers, seed {info.get('seed')}, {info.get('epochs_done')}/{info.get('epochs')} "
            f"epochs, kept epoch {best} (head alone {head}), {info.get('precision')} on {info.get('device')}, "
            f"{info.get('machine', 'machine not recorded')}")


def record_run(run_dir: Path, into: Path) -> Path:
    """Copy a finetune_e5 run's finetune.json and holdout.npz into `into/<run_dir.name>` after checking them.

    Raises click.ClickException for a folder that is not a finetune_e5 run (a calibrated model is not: its
    logits are computed, not recorded), a run of other data than ../shared holds, or a different record
    already kept under that name."""
    if not (run_dir / "finetune.json").is_file():
        raise click.ClickException(f"{run_dir} is not a finetune_e5 run (no finetune.json): only a run's "
                                   "own held-out logits are recorded")
    run_files(run_dir, logits_only=True)
    held_out_rows(run_dir, load_rows(np.random.default_rng(SEED)), logits_only=True)
    target = into / run_dir.resolve().name
    if target.exists():
        same = all((target / f).is_file() and filecmp.cmp(run_dir / f, target / f, shallow=False)
                   for f in RECORD_FILES)
        if not same:
            raise click.ClickException(f"{target} already holds another run of that name: name the run's folder "
                                       "after its setting and seed, or remove the old record with git")
        return target
    target.mkdir(parents=True)
    for name in RECORD_FILES:
        shutil.copyfile(run_dir / name, target / name)
    return target


def recorded(into: Path) -> list[tuple[str, dict]]:
    """(name, finetune.json) of every run kept under `into`, by name."""
    out = []
    for d in sorted(p for p in into.iterdir() if p.is_dir()) if into.is_dir() else []:
        out.append((d.name, json.loads((d / "finetune.json").read_text(encoding="utf-8"))))
    return out


@click.command()
@click.option("--run", "run_dirs", type=click.Path(path_type=Path, exists=True, file_okay=False), multiple=True,
              help="A finetune_e5 --out folder; its name becomes the record's")
@click.option("--into", type=click.Path(path_type=Path, file_okay=False), default=RECORDS, show_default=True)
@click.option("--list", "list_only", is_flag=True, help="Print the runs kept under --into")
def main(run_dirs: tuple[Path, ...], into: Path, list_only: bool) -> None:
    """Record runs' held-out logits under --into, or list the recorded ones."""
    if not run_dirs and not list_only:
        raise click.UsageError("give --run FOLDER (one or more), or --list")
    for run_dir in run_dirs:
        target = record_run(run_dir, into)
        click.echo(f"recorded {run_dir} as {target}")
    for name, info in recorded(into) if list_only else []:
        click.echo(f"{name}: {describe(info)}")


if __name__ == "__main__":
    main()
