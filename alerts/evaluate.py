"""Evaluate every sensitivity preset on the seeded evaluation streams.

`python -m alerts.evaluate [--seed 7 --seed 11 ...] [--brands 24] [--weeks 4] [--json bench/results/alerts_eval.json]`

Generates the streams in memory (same generator and seed as `alerts.evalstreams`), runs the
spike detector per brand for each preset, and prints precision, recall, recall within one
bucket of onset, mean time to detect and false alerts per brand-week.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path

import click

from alerts.config import SpikeRule
from alerts.evalstreams import generate
from alerts.scoring import Fired, Incident, _utc, score
from alerts.series import from_counts
from alerts.spike import detect_spikes

PRESET_NAMES = ("fewer", "balanced", "more")


def evaluate(seed: int | list[int], brands: int, weeks: int, rules: dict[str, SpikeRule] | None = None) -> dict:
    """Score each rule (default: the three presets) on the streams of every seed, pooled."""
    seeds = [seed] if isinstance(seed, int) else list(seed)
    streams = []
    for one in seeds:
        for stream in generate(one, brands, weeks):
            if len(seeds) > 1:
                stream.brand = f"s{one}-{stream.brand}"
                for inc in stream.incidents:
                    inc["brand"] = stream.brand
            streams.append(stream)
    rules = rules or {name: SpikeRule(preset=name) for name in PRESET_NAMES}
    step = timedelta(hours=1)
    incidents = [
        Incident(
            s.brand, inc["kind"], _utc(datetime.fromisoformat(inc["start"])), _utc(datetime.fromisoformat(inc["end"]))
        )
        for s in streams
        for inc in s.incidents
    ]
    # The detector needs one day of history before it judges anything.
    brand_weeks = sum((len(s.negative) - 24) / 168 for s in streams)
    results = {}
    for name, rule in rules.items():
        started = time.perf_counter()
        fired = []
        for s in streams:
            series = from_counts(s.start, s.negative, s.total)
            for d in detect_spikes(series, s.brand, rule):
                a = d.alert
                if a.kind == "spike":
                    fired.append(Fired(a.brand, a.window_start, a.window_end, d.decided_at, opens=not a.subject))
        result = score(fired, incidents, step, brand_weeks).as_dict()
        result["seconds"] = round(time.perf_counter() - started, 2)
        results[name] = result
    return {"seeds": seeds, "brands_per_seed": brands, "weeks": weeks, "interval": "hour", "presets": results}


def table(report: dict) -> str:
    head = (
        "| preset | recall | recall ≤1 bucket | mean time to detect (buckets) | precision "
        "| false alerts / brand-week | viral positive alerts |"
    )
    rows = [head, "|" + "---|" * 7]
    for name, r in report["presets"].items():
        rows.append(
            f"| {name} | {r['recall']} | {r['recall_within_1_bucket']} | {r['mean_time_to_detect_buckets']} | "
            f"{r['precision']} | {r['false_alerts_per_brand_week']} | {r['viral_positive_alerts']} |"
        )
    return "\n".join(rows)


@click.command()
@click.option(
    "--seed",
    "seeds",
    default=[7, 11, 23],
    show_default=True,
    type=int,
    multiple=True,
    help="Seed of the generated streams; repeat to pool several",
)
@click.option("--brands", default=24, show_default=True, type=int)
@click.option("--weeks", default=4, show_default=True, type=int)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the full report here (e.g. bench/results/alerts_eval.json)",
)
def main(seeds: tuple[int, ...], brands: int, weeks: int, json_path: Path | None) -> None:
    """Print precision / recall / time to detect / false alerts per preset."""
    report = evaluate(list(seeds), brands, weeks)
    click.echo(table(report))
    for name, r in report["presets"].items():
        click.echo(f"{name}: by kind {json.dumps(r['by_kind'])}")
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
