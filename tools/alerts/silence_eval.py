"""Does the silence detector see a collection outage, how soon, and does it cry wolf? On a real stream.

`python -m tools.alerts.silence_eval --stream ../shared/data/streams/apple-2014 [--outage-hours 6] [--json FILE]`

The stream is collected through the real pipeline with its own `groundswell.yaml` brands (as
`tools.brands.attribution` does, into a throwaway SQLite store; no model runs: the detector counts every
post). For each brand and source, its hourly count series is read from the store as the detector reads
it (`store.histogram` → `alerts.series.from_buckets`), and `alerts.silence.silences` runs with the
default rule (`SilenceRule(enabled=True)`):

- **false alarms**: silences on the untouched stream (real posting, bursts and lulls included);
- **injected outages**: for every hour at which the source has a whole day of history behind it and
  `--outage-hours` ahead, the same series with those hours emptied (what a collector that stopped
  leaves), run again. An outage is *seen* when a silence alert's window overlaps it; its **delay** is
  the alert's end (when a scheduled run at that moment reports it) minus the outage's start. An outage
  whose usual count stays under `min_expected` cannot be seen by design (too few posts were due): it is
  counted apart, with the expected count, so a miss says why.

A real stream's hours are never all busy, so the figures speak for a source of that stream's volume.
"""

from __future__ import annotations

import json
import statistics
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import numpy as np

from alerts.series import CountSeries, from_buckets
from alerts.silence import SilenceRule, silences, usual_by_hour
from indexing.base import Filters
from tools.stream_store import collected_stream


def _series(store: Any, brand: str, source: str) -> CountSeries:
    return from_buckets(store.histogram(Filters(brand=brand, source=source), "hour"), "hour")


def _emptied(series: CountSeries, start: int, hours: int) -> CountSeries:
    total, negative = series.total.copy(), series.negative.copy()
    total[start : start + hours] = 0
    negative[start : start + hours] = 0
    return CountSeries(series.start, series.interval, negative, total, series.coverage.copy())


def _usual(series: CountSeries, start: int, hours: int, rule: SilenceRule) -> float:
    """What the detector expects over the outage: its own hour-of-day means (`usual_by_hour`), not a copy."""
    first = int(np.flatnonzero(series.total)[0])
    usual = usual_by_hour(series.total, series.hour_of_day(), max(first, start - rule.baseline_days * 24), start, 24)
    if usual is None:
        return 0.0
    return float(sum(usual[h] for h in series.hour_of_day()[start : start + hours]))


def evaluate_series(series: CountSeries, brand: str, source: str, outage_hours: int, rule: SilenceRule) -> dict:
    """False alarms on `series` and what injected outages of `outage_hours` give."""
    false_alarms = [
        {"start": a.window_start.isoformat(), "end": a.window_end.isoformat(), "expected": a.expected}
        for a, _ in silences(series, brand, source, rule)
    ]
    first = int(np.flatnonzero(series.total)[0]) if series.total.any() else len(series)
    delays: list[float] = []
    missed_due: list[dict] = []
    too_few: list[float] = []
    tried = 0
    for start in range(first + 24, len(series) - outage_hours + 1):
        tried += 1
        t0, t1 = series.time(start), series.time(start + outage_hours)
        seen = [a for a, _ in silences(_emptied(series, start, outage_hours), brand, source, rule)
                if a.window_start < t1 and a.window_end > t0]
        usual = _usual(series, start, outage_hours, rule)
        if seen:
            delays.append((seen[0].window_end - t0) / timedelta(hours=1))
        elif usual < rule.min_expected:
            too_few.append(round(usual, 2))
        else:
            missed_due.append({"start": t0.isoformat(), "expected": round(usual, 2)})
    due = tried - len(too_few)
    return {
        "brand": brand,
        "source": source,
        "hours": len(series),
        "posts": int(series.total.sum()),
        "false_alarms": false_alarms,
        "outages_tried": tried,
        "outages_due": due,
        "seen": len(delays),
        "seen_share_of_due": round(len(delays) / due, 4) if due else None,
        "delay_hours": {
            "median": statistics.median(delays) if delays else None,
            "p90": float(np.percentile(delays, 90)) if delays else None,
            "max": max(delays) if delays else None,
        },
        "missed_though_due": missed_due,
        "not_due": {"count": len(too_few), "max_expected": max(too_few) if too_few else None},
    }


def evaluate(stream: Path, outage_hours: int, rule: SilenceRule | None = None) -> dict:
    rule = rule or SilenceRule(enabled=True)
    rows = []
    with collected_stream(stream, prefix="gs-silence-eval-") as (config, store):
        for brand in config.brands:
            for source in sorted(store.facet(Filters(brand=brand.name), "source")):
                rows.append(evaluate_series(_series(store, brand.name, source), brand.name, source, outage_hours, rule))
    return {
        "stream": stream.name,
        "command": f"python -m tools.alerts.silence_eval --stream {stream} --outage-hours {outage_hours}",
        "rule": rule.model_dump(),
        "outage_hours": outage_hours,
        "series": rows,
    }


@click.command(help=__doc__.splitlines()[0])
@click.option("--stream", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="A folder of ../shared/data/streams (mentions.jsonl, groundswell.yaml)")
@click.option("--outage-hours", type=click.IntRange(min=1, max=72), default=6, show_default=True,
              help="How long each injected outage lasts")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the result here")
def main(stream: Path, outage_hours: int, json_path: Path | None) -> None:
    result = evaluate(stream, outage_hours)
    text = json.dumps(result, indent=1, ensure_ascii=False)
    if json_path:
        json_path.write_text(text + "\n", encoding="utf-8")
    print(text)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
