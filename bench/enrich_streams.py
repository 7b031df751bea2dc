"""The pipeline's enrich step on real tweet streams: what reading each distinct text once saves.

    .venv/bin/python bench/enrich_streams.py [--limit N] [--out bench/results/enrich_streams.json]

Real streams repeat themselves: a retweet is the same text under another handle (the Apple and GOP
streams of ../shared/data/streams; `texts_read` below says how many the model still reads).
`SentimentModel.predict` reads each distinct (text, language) once, and the enrich step
sorts each batch so that copies share a model-sized piece. This times `groundswell.pipeline.enrich`
(language, sentiment, intents, as `groundswell run` runs it) on both streams attributed to their own
configs' brands (Apple; the ten GOP candidates) and loaded into a fresh embedded SQLite store, the
brands' names read as `@user` as the pipeline reads them (nlp/model_text.py), four ways, each once, in a
fresh subprocess:

- `distinct` / `every_row`: copies read once (the default) / every line read (`each_distinct_once=False`,
  as before 2026-12-04);
- `with_embeddings` / `sentiment_only`: the sentence embeddings for themes kept from the same pass (what
  `groundswell run` does; intents read them) / without (intents off: `groundswell enrich` alone).

Reported per way: mentions, seconds, mentions/s, texts the model read, peak memory (VmHWM), the load
average at the start, and whether every stored label equals the `every_row` way's. Results go to stdout;
a file is written only with an explicit --out.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

STREAMS = ("apple-2014", "gop-debate-2015")
WAYS = {
    "distinct_with_embeddings": (True, True),
    "every_row_with_embeddings": (False, True),
    "distinct_sentiment_only": (True, False),
    "every_row_sentiment_only": (False, False),
}


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _run_way(way: str, limit: int | None) -> dict:
    """One way, in this (fresh) process: load the streams into a new store, time the enrich step."""
    import yaml

    from groundswell.brands import attribute
    from groundswell.config import load_config
    from groundswell.pipeline import enrich
    from indexing.sqlite import SqliteStore
    from nlp.e5_sentiment import E5SentimentModel
    from nlp.embeddings import SentenceEmbeddings
    from nlp.enrich import Enricher
    from tools.sentiment.streams import load_stream, streams_dir

    once, with_embeddings = WAYS[way]

    class Counted(E5SentimentModel):
        """The shipped model, reading as `way` says and counting the texts it reads."""

        read = 0

        def predict(self, *args, **kwargs):
            return super().predict(*args, **kwargs, each_distinct_once=once)

        def _probabilities(self, texts, langs, batch_size, keep=None):
            Counted.read += len(texts)
            return super()._probabilities(texts, langs, batch_size, keep)

    load_average = os.getloadavg()
    brands = [{"name": b.name, "query": b.query} for name in STREAMS
              for b in load_config(streams_dir() / name / "groundswell.yaml").brands]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "g.db"
        config_path = Path(tmp) / "groundswell.yaml"
        config_path.write_text(yaml.safe_dump({
            "brands": brands, "sources": [], "store": {"type": "sqlite", "path": str(db)},
            "nlp": {"intents": with_embeddings},  # intents read the kept embeddings
        }), encoding="utf-8")
        config = load_config(str(config_path))
        mentions = [attribute(m, config.brands) for name in STREAMS
                    for m in load_stream(streams_dir() / name, limit).mentions]
        store = SqliteStore(str(db))
        if not all(r.ok for r in store.upsert(mentions)):
            raise RuntimeError("could not load the streams into the store")
        enricher = Enricher(config.nlp, model=Counted(), text=config.model_text())
        enricher.model.predict(["warm up"], ["en"])  # the ONNX session opens outside the timed part
        Counted.read = 0
        start = time.perf_counter()
        report = enrich(config, store, enricher=enricher,
                        embeddings=SentenceEmbeddings() if with_embeddings else None)
        seconds = time.perf_counter() - start
        labels = {m.id: m.sentiment.label for m in store.iter_mentions() if m.sentiment}
        store.close()
    return {"mentions": report.enriched, "seconds": round(seconds, 2),
            "mentions_per_s": round(report.enriched / seconds, 1), "texts_read": Counted.read,
            "peak_rss_mb": _peak_rss_mb(), "load_average_at_start": [round(x, 2) for x in load_average],
            "labels": labels}


@click.command()
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Lines per stream (default: all)")
@click.option("--ways", default=",".join(WAYS), show_default=True, help="Comma-separated ways to time")
@click.option("--way", "one_way", default=None, hidden=True)  # the subprocess's own call
@click.option("--out", type=click.Path(path_type=Path), default=None)
def main(limit: int | None, ways: str, one_way: str | None, out: Path | None) -> None:
    """Time the enrich step on the real streams, each way in a fresh process."""
    if one_way is not None:
        print(json.dumps(_run_way(one_way, limit)))
        return
    chosen = [w.strip() for w in ways.split(",") if w.strip()]
    unknown = [w for w in chosen if w not in WAYS]
    if unknown:
        raise click.UsageError(f"unknown ways {unknown}: choose among {', '.join(WAYS)}")
    from nlp.e5_sentiment import E5SentimentModel

    E5SentimentModel().encoder(embeddings=True)  # graphs built (or found in the cache) before any timing
    E5SentimentModel().encoder(embeddings=False)
    results = {}
    for way in chosen:
        cmd = [sys.executable, __file__, "--way", way] + (["--limit", str(limit)] if limit else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)
        if proc.returncode != 0:
            raise click.ClickException(f"{way} failed:\n{proc.stderr[-2000:]}")
        results[way] = json.loads(proc.stdout.strip().splitlines()[-1])
        r = results[way]
        click.echo(f"{way:28s} {r['mentions']} mentions in {r['seconds']} s: {r['mentions_per_s']}/s, "
                   f"model read {r['texts_read']} texts, peak {r['peak_rss_mb']} MB", err=True)
    labels = {way: r.pop("labels") for way, r in results.items()}
    for way, r in results.items():  # a distinct way's stored labels against every_row's, same path
        ref = labels.get(way.replace("distinct", "every_row"))
        if way.startswith("distinct") and ref is not None:
            mine = labels[way]
            r["same_labels_as_every_row"] = round(sum(mine[k] == ref.get(k) for k in mine) / max(len(mine), 1), 4)
    import onnxruntime

    result = {"command": "python bench/enrich_streams.py" + (f" --limit {limit}" if limit else ""),
              "streams": list(STREAMS), "lines_per_stream": limit or "all",
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "onnxruntime": onnxruntime.__version__},
              "ways": results}
    print(json.dumps(result, indent=2))
    if out is not None:
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        click.echo(f"wrote {out}", err=True)


if __name__ == "__main__":
    main()
