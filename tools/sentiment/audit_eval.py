"""Does a sentiment audit tell the truth? Checked on a real stream whose every post people labelled.

`python -m tools.sentiment.audit_eval --stream ../shared/data/streams/apple-2014 [--n 300] [--audits 200]
[--json FILE]`

The stream goes through the real pipeline into a throwaway SQLite store (collect with its own
`groundswell.yaml`, enrich with the configured model, the spam step), as `groundswell run` would. Then:

- **truth**: the model's accuracy, macro-F1 and share of negatives over the whole audited population
  (every counted, model-labelled mention, `groundswell.sentiment_audit.in_population`), against the
  stream's own human labels (`gold.jsonl`; a post without one is what an analyst marks "unclear");
- **audits**: `--audits` samples of `--n` rows, seeds 0, 1, ..., each drawn by `draw_sample` exactly as
  `groundswell sentiment audit-sample` draws it, answered with the gold labels (a perfect analyst), and
  scored by `score_audit` as `audit-score` scores it.

It reports how far the estimates fall from the truth and how often each 95% interval holds it (an
honest interval: about 95%), and what `audit-score` prints for the first audit. Nothing is tuned on
these figures. The streams are English (every line says so), so this checks the estimator with one
stratum; the weighting of several languages is checked on known populations in
tests/groundswell/test_audit_estimates.py.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from core.mention import SENTIMENT_LABELS
from groundswell.audit_score import Answers, macro_f1, score_audit, summary_lines
from groundswell.pipeline import enrich, flag_new_spam
from groundswell.sentiment_audit import draw_sample, in_population
from indexing.base import Filters
from tools.stream_store import check_stream, collected_stream

FIGURES = ("accuracy", "macro_f1", "negative_share")


def _gold(stream: Path) -> dict[str, str]:
    gold = {}
    with (stream / "gold.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("sentiment") in SENTIMENT_LABELS:
                gold[row["id"]] = row["sentiment"]
    return gold


def _truth(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Figures over the whole population: (model, gold) pairs, macro-F1 as the audit computes it."""
    n = len(pairs)
    confusion = Counter((gold, model) for model, gold in pairs)
    return {"accuracy": 100 * sum(m == g for m, g in pairs) / n, "macro_f1": 100 * (macro_f1(confusion) or 0.0),
            "negative_share": 100 * sum(g == "negative" for _, g in pairs) / n}


def _figure(result: dict[str, Any], name: str) -> dict[str, Any]:
    if name == "negative_share":
        return result["shares"]["negative"]["people"]
    return result[name]


def evaluate(stream: Path, n: int, audits: int, rounds: int, limit: int | None = None,
             progress: bool = True) -> dict[str, Any]:
    check_stream(stream, ("mentions.jsonl", "gold.jsonl", "groundswell.yaml"))
    gold = _gold(stream)
    with collected_stream(stream, limit=limit, prefix="gs-audit-eval-") as (config, store):
        enriched = enrich(config, store, progress=progress)
        flag_new_spam(store, enriched, config)
        population = [m for m in store.iter_mentions(Filters()) if in_population(m)]
        assert all(m.sentiment is not None for m in population)  # in_population
        pairs = [(m.sentiment.label, gold[m.id]) for m in population if m.id in gold]  # type: ignore[union-attr]
        truth = _truth(pairs)
        runs = []
        for seed in tqdm(range(audits), desc="audits", file=sys.stderr, disable=not progress):
            key = draw_sample(store, Filters(), n, seed=seed, now=datetime.now(UTC))
            answers = Answers(labels={r.id: gold[r.id] for r in key.rows if r.id in gold},
                              unclear={r.id for r in key.rows if r.id not in gold})
            runs.append(score_audit(key, answers, rounds=rounds, seed=seed))
    figures = {}
    for name in FIGURES:
        estimates = [_figure(run, name) for run in runs]
        errors = [e["value"] - truth[name] for e in estimates]
        covered = [e["low"] <= round(truth[name], 1) <= e["high"] for e in estimates]
        figures[name] = {
            "truth": round(truth[name], 2),
            "mean_estimate": round(statistics.fmean(e["value"] for e in estimates), 2),
            "mean_abs_error": round(statistics.fmean(abs(x) for x in errors), 2),
            "max_abs_error": round(max(abs(x) for x in errors), 2),
            "coverage_95": round(sum(covered) / len(covered), 3),
            "median_interval_width": round(statistics.median(e["high"] - e["low"] for e in estimates), 2),
        }
    return {
        "stream": stream.name,
        "command": f"python -m tools.sentiment.audit_eval --stream {stream} --n {n} --audits {audits}"
                   + (f" --limit {limit}" if limit else ""),
        "model": enriched.model,
        "population": len(population),
        "population_with_gold": len(pairs),
        "languages": sorted({m.lang or "unknown" for m in population}),
        "n": n,
        "audits": audits,
        "bootstrap_rounds": rounds,
        "figures": figures,
        # what `groundswell sentiment audit-score` prints for the first audit (seed 0): docs/sentiment-audit.md
        "example_summary": summary_lines(runs[0]),
    }


@click.command(help=__doc__.splitlines()[0])
@click.option("--stream", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="A folder of ../shared/data/streams (mentions.jsonl, gold.jsonl, groundswell.yaml)")
@click.option("--n", type=click.IntRange(10, 5000), default=300, show_default=True, help="Rows per audit")
@click.option("--audits", type=click.IntRange(1, 2000), default=200, show_default=True, help="Audits drawn (seeds)")
@click.option("--rounds", type=click.IntRange(100, 5000), default=500, show_default=True,
              help="Bootstrap rounds per audit (macro-F1's interval)")
@click.option("--limit", type=click.IntRange(min=1), help="Only the stream's first LIMIT lines (a quick check)")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the result here")
def main(stream: Path, n: int, audits: int, rounds: int, limit: int | None, json_path: Path | None) -> None:
    result = evaluate(stream, n, audits, rounds, limit, progress=sys.stderr.isatty())
    text = json.dumps(result, indent=1, ensure_ascii=False)
    if json_path:
        json_path.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
