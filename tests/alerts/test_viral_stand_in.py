"""Viral alerts on a stand-in (`core.stories`: a retweet stored because its original was not collected): the
message names whose post went viral and says the store holds only a retweet of it (`alerts/viral.py`), and the
backtest rebuilds the shares collection records with the same rule (`alerts/backtest_shares.py`), retweets X cut
short and stand-ins included: the same viral alerts as `pipeline.collect` and `pipeline.detect` on the same lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alerts.backtest import run_backtest
from alerts.kinds import detector_for
from alerts.shares import Shares
from groundswell import pipeline
from groundswell.config import Config, parse_config
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
# 144 characters: a retweet of it is cut short by X ("RT @Ann_B: " included, 140 in all, ending with '…').
LONG = ("Lumora Pulse caught fire on my desk this morning and their support line kept me on hold for an hour, "
        "stay away from it, and do not buy one today")


def line(native_id: str, text: str, handle: str, minutes: int, label: str = "negative") -> dict:
    return {"source": "x", "native_id": native_id, "text": text, "lang": "en", "brand": "Lumora",
            "url": f"https://x.com/{handle}/status/{native_id}",
            "created_at": (T0 + timedelta(minutes=minutes)).isoformat(),
            "author": {"handle": handle, "followers": 100},
            "sentiment": {"label": label, "probs": {label: 0.9}, "model": "test"}}


def cut(handle: str, text: str) -> str:
    whole = f"RT @{handle}: {text}"
    return whole if len(whole) <= 140 else whole[:139] + "…"


def history() -> list[dict]:
    """A quiet day; then 24 retweets of @Ann_B's post, which is never collected, most cut short by X; and @cy's
    post with 22 retweets cut short."""
    quiet = [line(f"q{n}", f"Lumora update number {n}", "news", -24 * 60 + 60 * n, "neutral") for n in range(24)]
    ann = [line(f"a{n}", cut("Ann_B", LONG) if n % 3 else f"RT @Ann_B: {LONG}", f"fan{n}", 1 + n) for n in range(24)]
    cy = LONG.replace("today", "this year")
    return [*quiet, *ann, line("2", cy, "cy", 5), *(line(f"c{n}", cut("cy", cy), f"pal{n}", 6 + n) for n in range(22))]


def config(tmp_path: Path, lines: list[dict]) -> tuple[Config, Path]:
    feed = tmp_path / "in.jsonl"
    feed.write_text("".join(json.dumps(row) + "\n" for row in lines), encoding="utf-8")
    return parse_config({
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": [{"type": "import", "name": "x-export", "options": {"path": str(feed)}}],
        "store": {"type": "sqlite", "path": str(tmp_path / "gs.db")},
        "report": {"path": str(tmp_path / "report.html")},
    }), feed


def test_the_message_names_the_original_author_and_the_stand_in(tmp_path):
    cfg, _ = config(tmp_path, history())
    store = SqliteStore(cfg.store.path)
    pipeline.collect(cfg, store)
    alerts = {a.subject: a for a in pipeline.detect(cfg, store, now=None) if a.kind == "viral"}
    store.close()

    assert sorted(alerts) == ["x:2", "x:a0"]
    stand_in = detector_for("viral").describe(alerts["x:a0"])
    assert stand_in[0].startswith("Lumora: @Ann_B's post was reposted 23 times during ")
    assert stand_in[1] == ("The post itself was not collected; the store holds @fan0's repost of it, which stands in "
                           "for it: https://x.com/fan0/status/a0.")
    assert "@fan0's post" not in " ".join(stand_in)
    # A post collected itself reads as before: its author's, no stand-in line.
    own = detector_for("viral").describe(alerts["x:2"])
    assert own[0].startswith("Lumora: @cy's post was reposted 22 times during ") and len(own) == 1


def test_the_backtest_rebuilds_the_shares_of_cut_retweets_and_stand_ins_as_collection_records_them(tmp_path):
    cfg, feed = config(tmp_path, history())
    store = SqliteStore(cfg.store.path)
    pipeline.collect(cfg, store)
    recorded = {(s.repost, s.original) for s in Shares(store).between(None, None)}
    production = [a for a in pipeline.detect(cfg, store, now=None) if a.kind == "viral"]
    store.close()

    result = run_backtest(feed, cfg.alerts, cfg.brands)

    assert len(recorded) == 23 + 22 and result.load.shares == len(recorded)
    backtest = [d.alert for d in result.detections if d.alert.kind == "viral"]

    def seen(alerts):
        return sorted((a.id, a.subject, a.window_start, a.observed, a.expected, a.severity) for a in alerts)

    assert seen(backtest) == seen(production) and sorted(a.subject for a in backtest) == ["x:2", "x:a0"]
