"""Add `head_alone` (the e5 head's temperature) to a model folder calibrate_e5 wrote before it wrote one.

    python -m tools.sentiment.head_alone --model-dir nlp/models/default

`nlp.sentiment_combine: head` runs the default model's e5 head without its stacker, at a temperature
fitted on the held-out train rows (never fine-tuned on; dev not read). calibrate_e5 writes it for every
model it calibrates (`calibrate_e5.head_alone_entry`); this computes the same entry for a model that
predates it, from the model's own held-out logits (the packed delta on ONNX Runtime, as compare_runs
reads them, about 2 min on 2 cores), and adds it to model.json, leaving every other key as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

from nlp.model_files import softmax
from tools.sentiment.calibrate_e5 import SEED, cv_predict, fit_temperature, head_alone_entry, held_out_rows
from tools.sentiment.train_rows import load_rows


def entry_for(model_dir: Path) -> dict:
    """calibrate_e5's `head_alone` entry, computed from `model_dir`'s held-out logits."""
    h = held_out_rows(model_dir, load_rows(np.random.default_rng(SEED)), logits_only=True)
    cv = cv_predict(lambda tr: fit_temperature(h.logits[tr], h.y[tr], h.binary[tr]),
                    lambda t, te: softmax(h.logits[te] / t), len(h.y), h.dataset)
    return head_alone_entry(h.logits, h.y, h.binary, cv)


@click.command()
@click.option("--model-dir", type=click.Path(path_type=Path, file_okay=False, exists=True), required=True)
def main(model_dir: Path) -> None:
    """Write MODEL_DIR/model.json's `head_alone` entry."""
    path = model_dir / "model.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["head_alone"] = entry_for(model_dir)
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    click.echo(f"wrote head_alone into {path}: {json.dumps(manifest['head_alone'])}")


if __name__ == "__main__":
    main()
