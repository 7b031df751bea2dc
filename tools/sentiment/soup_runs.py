"""Average the weights of several fine-tuning runs into one run (a "model soup").

    python -m tools.sentiment.soup_runs --run RUN_A --run RUN_B --out DIR

Why: runs fine-tuned from the same pretrained encoder, with different seeds or settings, land in
one basin of the loss; the average of their weights often scores above each of them, at the cost
of one model at inference (Wortsman et al., 2022, "Model soups"). Every run must train the same
layers. The soup is a run like any other: its held-out rows' logits are computed here, so
`tools.sentiment.compare_runs` scores it against the shipped run and `tools.sentiment.calibrate_e5`
packs it. Uniform average only: picking ingredients by their held-out score would select on the
rows that then judge the soup.

Measured here (docs/model-card.md), it was not a gain: three 4-layer runs of one seed averaged
scored 0.5 below the shipped run with the stacker, and runs of different seeds (each with its own
random initial head) average into a worse head. The command stays so that the figure can be rerun.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
import numpy as np

from nlp.e5_sentiment import HEAD_BIAS, HEAD_WEIGHT
from nlp.e5_weights import ensure_checkpoint
from tools.sentiment.calibrate_e5 import held_out_rows
from tools.sentiment.e5_layers import E5Top
from tools.sentiment.finetune_e5 import SEED, load_rows, lower_states, macro_f1_by_dataset, predict, tokenize, write_run


def read_delta(run_dir: Path) -> dict[str, np.ndarray]:
    """A run's delta (fp32)."""
    from safetensors.numpy import load_file

    return load_file(str(run_dir / "delta.safetensors"))


def average(deltas: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The element-wise mean of deltas that hold the same tensors."""
    names = set(deltas[0])
    for d in deltas[1:]:
        if set(d) != names:
            raise click.ClickException(f"runs hold different tensors: {sorted(names ^ set(d))[:4]} …")
    return {k: np.mean([d[k].astype(np.float32) for d in deltas], axis=0) for k in sorted(names)}


def soup_model(config: dict, first: int, base: dict[str, np.ndarray], soup: dict[str, np.ndarray]):
    """An `E5Top` (layers `first`.. and head) holding `soup`'s weights, the base checkpoint's where it has none."""
    import torch

    model = E5Top(config, first)
    model.load_base({**base, **soup})
    with torch.no_grad():
        model.head.weight.copy_(torch.from_numpy(soup[HEAD_WEIGHT]))
        model.head.bias.copy_(torch.from_numpy(soup[HEAD_BIAS]))
    return model.eval()


def check_compatible(infos: list[dict]) -> None:
    """Refuse runs that cannot be averaged or compared row for row."""
    for key in ("trained_layers", "max_tokens", "query_prefix", "holdout", "datasets", "held_out_rows"):
        values = {json.dumps(i.get(key)) for i in infos}
        if len(values) > 1:
            raise click.ClickException(f"runs differ in {key}: {sorted(values)}")


@click.command()
@click.option("--run", "runs", type=click.Path(path_type=Path, exists=True, file_okay=False), multiple=True,
              required=True, help="A finetune_e5 output directory (give two or more)")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True)
@click.option("--work", type=click.Path(path_type=Path),
              default=Path.home() / ".cache" / "groundswell" / "finetune-e5", show_default=True,
              help="Cache of the frozen lower layers' states (shared with finetune_e5)")
def main(runs: tuple[Path, ...], out_dir: Path, work: Path) -> None:
    """Write the uniform weight average of `--run`s, with its held-out logits, as a run into `--out`."""
    from safetensors.numpy import load_file

    if len(runs) < 2:
        raise click.UsageError("give at least two --run directories")
    start = time.monotonic()
    rows = load_rows(np.random.default_rng(SEED))  # the same held-out rows as every run
    infos = [held_out_rows(r, rows).info for r in runs]  # each run's files and hold-out checked against rows
    check_compatible(infos)
    soup = average([read_delta(r) for r in runs])

    checkpoint = ensure_checkpoint()
    config = json.loads((checkpoint / "config.json").read_text(encoding="utf-8"))
    first = infos[0]["trained_layers"][0]
    ids = tokenize(checkpoint, rows.texts)
    lengths = np.array([len(x) for x in ids])
    states, offsets = lower_states(checkpoint, ids, first, work)
    model = soup_model(config, first, load_file(str(checkpoint / "model.safetensors")), soup)
    held_idx = np.flatnonzero(rows.holdout)
    logits = predict(model, states, offsets, held_idx, lengths)
    scores = macro_f1_by_dataset(rows, held_idx, logits)
    mean = round(float(np.mean(list(scores.values()))), 2)
    info = {k: v for k, v in infos[0].items() if k not in ("history", "best_epoch", "seed", "train_seconds")}
    info.update({
        "soup_of": [{"run": str(r), "seed": i.get("seed"), "best_epoch": i.get("best_epoch"),
                     "holdout_macro_f1_mean": max((h["holdout_macro_f1_mean"] for h in i.get("history", [])),
                                                  default=None)}
                    for r, i in zip(runs, infos, strict=True)],
        "holdout_macro_f1_mean": mean, "holdout_macro_f1": scores,
        "soup_seconds": round(time.monotonic() - start, 1),
    })
    write_run(out_dir, soup, held_idx, logits, rows, info)
    click.echo(f"wrote {out_dir}: soup of {len(runs)} runs, held-out macro-F1 mean {mean} {json.dumps(scores)}",
               err=True)


if __name__ == "__main__":
    main()
