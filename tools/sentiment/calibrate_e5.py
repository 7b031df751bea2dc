"""Calibrate a fine-tuned e5 sentiment delta and write the shipped model folder.

    python -m tools.sentiment.calibrate_e5 --run DIR --out nlp/models/default   (part of make train-sentiment)

`DIR` is what tools/sentiment/finetune_e5.py wrote. Its held-out train rows (15% of every split,
never trained on) give:
- the temperature T that minimises their negative log-likelihood (binary sets over negative vs
  positive only), so that "0.8" means right about 8 times in 10;
- how accurate confident and `uncertain` rows are at the shipped threshold (top probability < 0.5),
  written to the manifest and the model card.
Dev is not read here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import numpy as np

from nlp.e5_sentiment import E5_FORMAT
from nlp.model_files import LABELS, softmax
from tools.sentiment.data import BINARY_DATASETS

NEG, POS = LABELS.index("negative"), LABELS.index("positive")
UNCERTAIN_BELOW = 0.5


def nll(logits: np.ndarray, y: np.ndarray, binary: np.ndarray, temperature: float) -> float:
    """Mean negative log-likelihood at `temperature`; binary rows over negative vs positive."""
    p = softmax(logits / temperature)
    p2 = p[:, [NEG, POS]] / p[:, [NEG, POS]].sum(1, keepdims=True)
    picked = np.where(binary, p2[np.arange(len(y)), (y == POS).astype(int)], p[np.arange(len(y)), y])
    return float(-np.log(np.clip(picked, 1e-12, 1.0)).mean())


def fit_temperature(logits: np.ndarray, y: np.ndarray, binary: np.ndarray) -> float:
    from scipy.optimize import minimize_scalar

    res = minimize_scalar(lambda t: nll(logits, y, binary, float(np.exp(t))), bounds=(-3, 3), method="bounded")
    return float(np.exp(res.x))


def confidence_report(probs: np.ndarray, y: np.ndarray, threshold: float) -> dict:
    """Share flagged uncertain and the accuracy of flagged vs unflagged rows (3-class rows)."""
    top = probs.max(1)
    right = probs.argmax(1) == y
    flagged = top < threshold
    return {
        "rows": int(len(y)), "uncertain_below": threshold,
        "uncertain_share": round(100 * float(flagged.mean()), 1),
        "accuracy_uncertain": round(100 * float(right[flagged].mean()), 1) if flagged.any() else None,
        "accuracy_confident": round(100 * float(right[~flagged].mean()), 1) if (~flagged).any() else None,
    }


@click.command()
@click.option("--run", "run_dir", type=click.Path(path_type=Path, exists=True), required=True)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True)
def main(run_dir: Path, out_dir: Path) -> None:
    """Fit the temperature on the held-out train rows and write model.json + delta into OUT."""
    info = json.loads((run_dir / "finetune.json").read_text(encoding="utf-8"))
    held = np.load(run_dir / "holdout.npz")
    logits, y, dataset = held["logits"].astype(np.float64), held["y"], held["dataset"]
    binary = np.array([info["datasets"][d].split("/")[0] in BINARY_DATASETS for d in dataset])
    before = nll(logits, y, binary, 1.0)
    temperature = fit_temperature(logits, y, binary)
    probs = softmax(logits / temperature)
    three = ~binary
    manifest = {
        "format": E5_FORMAT,
        "labels": list(LABELS),
        "encoder": {
            "base": info["base"],
            "first_trained_layer": info["trained_layers"][0],
            "max_tokens": info["max_tokens"],
            "query_prefix": info["query_prefix"],
        },
        "calibration": {
            "temperature": round(temperature, 4),
            "fitted_on": f"{len(y)} held-out train rows",
            "holdout_nll": {"before": round(before, 4), "after": round(nll(logits, y, binary, temperature), 4)},
            "confidence": confidence_report(probs[three], y[three], UNCERTAIN_BELOW),
        },
        "training": {k: v for k, v in info.items() if k not in ("base",)},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("weights.safetensors",):  # the MiniLM format's file, if OUT held one
        (out_dir / stale).unlink(missing_ok=True)
    shutil.copyfile(run_dir / "delta.safetensors", out_dir / "delta.safetensors")
    (out_dir / "model.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in out_dir.iterdir())
    after = manifest["calibration"]["holdout_nll"]["after"]
    click.echo(f"T = {temperature:.3f} (held-out NLL {before:.4f} -> {after}); "
               f"{json.dumps(manifest['calibration']['confidence'])}; wrote {out_dir} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
