"""A real stream replayed as the scheduler would run it: one `groundswell run` per hour, each seeing only
the posts created before its `now`, and what the alerts channel received.

`python -m tools.alerts.scheduled_replay --stream ../shared/data/streams/gop-debate-2015 [--start-hours 2]
[--step-hours 1] [--limit N] [--json FILE] [--messages FILE]`

The backtest (`groundswell alerts backtest`) replays a whole history at once; production never sees one.
Here the stream's posts reach the import file in time order, as a collector would find them, and every
run is the real pipeline (`groundswell.pipeline.run_once`: collect, enrich, spam, themes, detect, notify)
with its `now` bounding detection to recent buckets, so what is checked is what a manager's channel
gets: how many messages of each kind, in how many incident threads, how soon after the first post of its
window each spike message went out (at the run that sent it), whether any incident got a spike
message after its own all-clear (it must not: a crisis that comes back opens a new incident), and each
viral post (`alerts.viral`): which post, its reposts in its hour, and when the run that sent it ran.

The first run is `--start-hours` after the stream's first post (the detectors need some history);
messages are the lines of a JSON Lines channel (`alerts/channels/jsonl.py`), one alert each.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import yaml

from core.time import as_utc
from groundswell.config import Config, parse_config
from groundswell.pipeline import run_once
from tools.stream_store import check_stream


def replay_config(stream: Path, feed: Path, workdir: Path) -> Config:
    """The stream's own config with its import reading `feed`, its store and report in `workdir` and one
    JSON Lines channel (`workdir/alerts.jsonl`) standing in for the team's Slack."""
    data = yaml.safe_load((stream / "groundswell.yaml").read_text(encoding="utf-8"))
    for source in data.get("sources", []):
        if source.get("type") == "import":
            source.setdefault("options", {})["path"] = str(feed)
    data["store"] = {"type": "sqlite", "path": str(workdir / "groundswell.db")}
    data["report"] = {"path": str(workdir / "report.html")}
    data["channels"] = [{"type": "jsonl", "path": str(workdir / "alerts.jsonl")}]
    return parse_config(data, origin=str(stream / "groundswell.yaml"))


def _timed_lines(stream: Path, limit: int | None) -> list[tuple[datetime, str]]:
    """The stream's lines with their creation times, oldest first (a stable sort keeps ties in file order)."""
    rows = []
    with (stream / "mentions.jsonl").open(encoding="utf-8") as f:
        for n, line in enumerate(f):
            if limit is not None and n >= limit:
                break
            if line.strip():
                rows.append((as_utc(datetime.fromisoformat(json.loads(line)["created_at"])), line))
    return sorted(rows, key=lambda row: row[0])


def _hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def replay(stream: Path, *, start_hours: int = 2, step_hours: int = 1, limit: int | None = None,
           progress: bool = False, messages: Path | None = None) -> dict:
    """Replay `stream` as scheduled runs; returns what the channel received (see the module docstring).
    `messages`: also write the channel's messages there (JSON Lines, one alert each), to read what was said."""
    check_stream(stream)
    lines = _timed_lines(stream, limit)
    if not lines:
        raise click.UsageError(f"{stream / 'mentions.jsonl'} holds no posts")
    first, last = lines[0][0], lines[-1][0]
    step = timedelta(hours=step_hours)
    began = time.perf_counter()
    sent_at: dict[str, datetime] = {}  # alert id -> the `now` of the run that delivered it
    with tempfile.TemporaryDirectory(prefix="gs-replay-") as tmp:
        workdir = Path(tmp)
        feed = workdir / "mentions.jsonl"
        feed.touch()
        config = replay_config(stream, feed, workdir)
        channel = workdir / "alerts.jsonl"
        now, fed, runs = _hour(first) + timedelta(hours=start_hours), 0, 0
        while True:
            with feed.open("a", encoding="utf-8") as out:
                while fed < len(lines) and lines[fed][0] < now:
                    out.write(lines[fed][1] if lines[fed][1].endswith("\n") else lines[fed][1] + "\n")
                    fed += 1
            run_once(config, write_report=False, now=now)
            runs += 1
            for alert in _read(channel):
                sent_at.setdefault(alert["id"], now)
            if progress:
                click.echo(f"{now.isoformat()}  posts {fed:,}  messages {len(sent_at)}", err=True)
            if now > last:
                break
            now += step
        alerts = _read(channel)
        if messages is not None:
            messages.write_text(channel.read_text(encoding="utf-8") if channel.exists() else "", encoding="utf-8")
    return _summary(stream, alerts, sent_at, runs, first, last, start_hours, step_hours, limit,
                    time.perf_counter() - began)


def _read(channel: Path) -> list[dict]:
    if not channel.exists():
        return []
    return [json.loads(line) for line in channel.read_text(encoding="utf-8").splitlines() if line.strip()]


def _summary(stream: Path, alerts: list[dict], sent_at: dict[str, datetime], runs: int, first: datetime,
             last: datetime, start_hours: int, step_hours: int, limit: int | None, seconds: float) -> dict:
    """Counts, threads, the spike-after-all-clear check and each spike's delay after its window began."""
    by_incident: dict[str, list[dict]] = {}
    for alert in alerts:
        by_incident.setdefault(alert.get("incident_id") or alert["id"], []).append(alert)
    after_clear = []
    for incident, items in by_incident.items():
        cleared = [sent_at[a["id"]] for a in items if a["kind"] == "all_clear"]
        late = [a for a in items if a["kind"] == "spike" and cleared and sent_at[a["id"]] > min(cleared)]
        after_clear += [f"{incident}: spike {a['window_start']} sent after the all-clear" for a in late]
    spikes = [a for a in alerts if a["kind"] == "spike"]
    delays = _hours_after(spikes, sent_at, "window_start")
    after_end = _hours_after(spikes, sent_at, "window_end")
    return {
        "tool": "scheduled_replay",
        "stream": stream.name,
        "posts_from": first.isoformat(),
        "posts_to": last.isoformat(),
        "limit": limit,
        "start_hours": start_hours,
        "step_hours": step_hours,
        "runs": runs,
        "messages": len(alerts),
        "by_kind": dict(sorted(Counter(a["kind"] for a in alerts).items())),
        "by_brand": dict(sorted(Counter(a["brand"] for a in alerts).items())),
        "threads": len(by_incident),
        "spike_after_own_all_clear": after_clear,
        # Hours from a spike window's start, and from its end, to the run that sent it: how late a manager hears.
        "spike_delay_hours": _median_max(delays),
        "spike_after_window_end_hours": _median_max(after_end),
        # Each post that went viral (`alerts.viral`): which, how many reposts in its hour, and when the run sent it.
        "viral_posts": [_viral(a, sent_at[a["id"]]) for a in alerts if a["kind"] == "viral"],
        "seconds": round(seconds, 1),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _viral(alert: dict, sent: datetime) -> dict:
    """One viral alert as the summary lists it: the post, its hour's reposts and how soon the channel heard."""
    post = (alert.get("top_posts") or [{}])[0]
    text = post.get("text") or ""
    start, end = (as_utc(datetime.fromisoformat(alert[f])) for f in ("window_start", "window_end"))
    return {
        "brand": alert["brand"],
        "post": alert.get("subject"),
        "author": post.get("author"),
        "sentiment": post.get("sentiment"),
        "text": text if len(text) <= 120 else text[:119] + "…",
        "window_start": alert["window_start"],
        "reposts": alert["observed"],
        "usual_per_hour": alert["expected"],
        "severity": alert["severity"],
        "sent_at": sent.isoformat(),
        "hours_after_window_start": (sent - start).total_seconds() / 3600,
        "hours_after_window_end": (sent - end).total_seconds() / 3600,
    }


def _hours_after(alerts: list[dict], sent_at: dict[str, datetime], field: str) -> list[float]:
    """Sorted hours from each alert's `field` time to the run that sent it."""
    return sorted((sent_at[a["id"]] - as_utc(datetime.fromisoformat(a[field]))).total_seconds() / 3600 for a in alerts)


def _median_max(values: list[float]) -> dict[str, float | None]:
    return {"median": values[len(values) // 2] if values else None, "max": values[-1] if values else None}


@click.command()
@click.option("--stream", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="A folder of ../shared/data/streams (mentions.jsonl + groundswell.yaml)")
@click.option("--start-hours", type=click.IntRange(min=0), default=2, show_default=True,
              help="Hours of posts the first run sees")
@click.option("--step-hours", type=click.IntRange(min=1), default=1, show_default=True, help="Hours between runs")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the stream's first N lines")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the result here")
@click.option("--messages", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the messages the channel received here (JSON Lines)")
@click.option("--progress/--no-progress", default=True, help="One line per run on stderr")
def main(stream: Path, start_hours: int, step_hours: int, limit: int | None, json_out: Path | None,
         messages: Path | None, progress: bool) -> None:
    """Replay a real stream as hourly scheduled runs and report what the alerts channel received."""
    result = replay(stream, start_hours=start_hours, step_hours=step_hours, limit=limit, progress=progress,
                    messages=messages)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    click.echo(text)
    if json_out:
        json_out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
