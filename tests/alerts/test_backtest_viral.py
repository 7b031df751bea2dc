"""The backtest raises viral alerts (`alerts.backtest_shares` rebuilds the shares collection records; the detector
is `alerts.viral`'s): the same alerts as collection and detection on the same posts, and on the real streams the
viral posts the scheduled replay sent whose human label is negative."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alerts.backtest import run_backtest
from groundswell import pipeline
from groundswell.config import parse_config
from indexing.sqlite import SqliteStore
from tests.conftest import shared_path
from tools.alerts.stream_viral import compare

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
TEXT = "Lumora Pulse caught fire on my desk, stay away from it"
DOCS = Path(__file__).resolve().parents[2] / "docs"


def line(native_id: str, text: str, at: datetime, label: str = "negative", handle: str | None = None) -> dict:
    return {"source": "x", "native_id": native_id, "text": text, "created_at": at.isoformat(), "lang": "en",
            "brand": "Lumora", "author": {"handle": handle or f"u{native_id}", "followers": 100},
            "sentiment": {"label": label, "probs": {label: 0.9}, "model": "test"}}


def retweets(count: int, handle: str, text: str, start: datetime, tag: str) -> list[dict]:
    return [line(f"{tag}{n}", f"RT @{handle}: {text}", start + timedelta(minutes=n), "neutral")
            for n in range(count)]


def history() -> list[dict]:
    """A day of quiet posts, then @ann's post retweeted 25 times in an hour; 22 retweets of a post of @zed's that
    the history does not hold; 21 retweets of @cy's post, all but one before it was posted."""
    quiet = [line(f"q{n}", f"Lumora update number {n}", T0 - timedelta(hours=24 - n), "neutral") for n in range(24)]
    cy = "Lumora support hung up on me twice"
    return [*quiet, line("1", TEXT, T0, handle="ann"), *retweets(25, "ann", TEXT, T0 + timedelta(minutes=2), "a"),
            *retweets(22, "zed", "Lumora lost my order again", T0, "z"),
            *retweets(20, "cy", cy, T0, "c"), line("2", cy, T0 + timedelta(minutes=30), handle="cy"),
            *retweets(1, "cy", cy, T0 + timedelta(minutes=40), "c-late")]


def test_the_backtest_raises_the_viral_alert_that_collection_and_detection_raise(tmp_path):
    lines = history()
    feed = tmp_path / "in.jsonl"
    feed.write_text("".join(json.dumps(row) + "\n" for row in lines), encoding="utf-8")
    config = parse_config({
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": [{"type": "import", "name": "x-export", "options": {"path": str(feed)}}],
        "store": {"type": "sqlite", "path": str(tmp_path / "gs.db")},
        "report": {"path": str(tmp_path / "report.html")},
    })
    store = SqliteStore(config.store.path)
    pipeline.collect(config, store)
    production = [a for a in pipeline.detect(config, store, now=None) if a.kind == "viral"]
    store.close()

    result = run_backtest(feed, config.alerts, config.brands)

    assert result.load.loaded == len(lines)  # every retweet is still a mention, for the spike detectors
    # @ann's 25; @zed's first retweet stands in for his post, the other 21 are its shares; @cy's first stands in
    # until her post comes, which takes the story over: the stand-in and its 19 shares become her post's shares, as
    # collection merges them (`groundswell.copies.CopyIndex.merge_stand_ins`), and so does the late one.
    assert result.load.shares == 25 + 21 + 1 + 19 + 1
    backtest = [d.alert for d in result.detections if d.alert.kind == "viral"]

    def seen(alerts):
        return [(a.id, a.subject, a.window_start, a.observed, a.expected, a.severity, a.reach) for a in alerts]

    # Her post (negative) reposted 21 times in the hour: viral too, in both, now that the story counts once.
    assert seen(backtest) == seen(production) and [a.subject for a in backtest] == ["x:1", "x:2"]
    assert [a.observed for a in backtest] == [25, 21]


def test_on_the_real_streams_it_raises_the_replays_viral_posts_the_annotators_call_negative():
    for name in ("apple-2014", "gop-debate-2015"):
        stream = shared_path("data", "streams", name)
        gold = {json.loads(row)["id"]: json.loads(row)["sentiment"]
                for row in (stream / "gold.jsonl").open(encoding="utf-8")}
        result = compare(stream, "gold")
        assert result["shares"] > 0, name
        raised = {(r["brand"], r["post"], r["window_start"][:13], r["reposts"]) for r in result["backtest_viral"]}
        assert all(gold[post] == "negative" for _, post, _, _ in raised), name  # the rule: negative posts only
        sent = json.loads((DOCS / f"scheduled-replay-{name}.json").read_text(encoding="utf-8"))["viral_posts"]
        negative = {(r["brand"], r["post"], r["window_start"][:13], r["reposts"]) for r in sent
                    if gold[r["post"]] == "negative"}
        assert negative <= raised, name
        assert result["only_scheduled_replay"] == sorted(
            [list(k) for k in {(r["brand"], r["post"], r["window_start"][:13], r["reposts"]) for r in sent} - raised]
        )
