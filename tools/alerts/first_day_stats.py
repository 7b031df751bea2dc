"""Hourly negatives and shares of a real stream's brands: what the first-day rule's thresholds
(`alerts/first_day.py`) are read against.

`python -m tools.alerts.first_day_stats --stream ../shared/data/streams/apple-2014 [--labels gold|model]
[--hour 2014-12-09T01:00 ...]`

Per brand (the stream's config's brands, attributed as the collector does: `tools.alerts.stream_viral.tagged`):
its hours with posts, posts, negative share, the 50th / 90th percentile and the maximum of its hourly negatives,
its first hour, and each hour the first-day rule (`alerts.first_day.judge`, against the brand's posts before the
hour) would fire on, were every hour of the stream its first day; with `--hour` (UTC), each such hour's negatives
and posts by those labels (`hours`). One JSON object on stdout.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import click
import numpy as np

from alerts.first_day import judge
from alerts.series import floor_time
from groundswell.config import load_config
from tools.alerts.stream_viral import tagged
from tools.stream_store import check_stream


def stats(stream: Path, labels: str, asked: tuple[datetime, ...] = ()) -> dict:
    """The per-brand figures described above; `asked`: the hours (UTC) whose counts to list."""
    config = load_config(stream / "groundswell.yaml")
    hours: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for post in tagged(stream, config, labels):
        hour = floor_time(post.created_at, "hour")
        for brand in post.brands:
            cell = hours[brand][hour]
            cell[1] += 1
            cell[0] += post.sentiment is not None and post.sentiment.label == "negative"
    out = {}
    for brand, by_hour in hours.items():
        rows = sorted(by_hour.items())
        neg = np.array([n for _, (n, _) in rows], dtype=float)
        tot = np.array([t for _, (_, t) in rows], dtype=float)
        fires = []
        for i, (hour, (n, t)) in enumerate(rows):
            verdict = judge(n, t, float(neg[:i].sum()), float(tot[:i].sum()))
            if verdict.fires:
                fires.append({"hour": hour.isoformat(), "negative": n, "posts": t, "p": verdict.p_value})
        out[brand] = {
            "hours": len(rows),
            "posts": int(tot.sum()),
            "share": round(float(neg.sum() / tot.sum()), 3),
            "hourly_negative_p50": float(np.percentile(neg, 50)),
            "hourly_negative_p90": float(np.percentile(neg, 90)),
            "hourly_negative_max": float(neg.max()),
            "first_hour": {"hour": rows[0][0].isoformat(), "negative": rows[0][1][0], "posts": rows[0][1][1]},
            "first_day_rule_fires": fires,
        }
        if asked:
            counts = {hour: by_hour.get(hour, [0, 0]) for hour in asked}
            out[brand]["hours_asked"] = {
                hour.isoformat(): {"negative": n, "posts": t, "share": round(n / t, 3) if t else None}
                for hour, (n, t) in counts.items()
            }
    return out


@click.command()
@click.option("--stream", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="A folder of ../shared/data/streams (mentions.jsonl + groundswell.yaml + gold.jsonl)")
@click.option("--labels", type=click.Choice(["gold", "model"]), default="gold", show_default=True,
              help="The human labels, or the shipped sentiment model's")
@click.option("--hour", "hours", multiple=True, type=click.DateTime(["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H"]),
              help="A UTC hour (2014-12-09T01:00) whose negatives and posts to list per brand; repeatable")
def main(stream: Path, labels: str, hours: tuple[datetime, ...]) -> None:
    """Hourly negatives and shares per brand of a real stream."""
    check_stream(stream)
    asked = tuple(floor_time(h.replace(tzinfo=UTC), "hour") for h in hours)
    click.echo(json.dumps({"stream": stream.name, "labels": labels, "brands": stats(stream, labels, asked)},
                          indent=1))


if __name__ == "__main__":
    main()
