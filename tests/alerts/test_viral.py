"""Viral alerts (`alerts/viral.py`): one negative post reposted fast, through the real collect path (retweets
dropped as copies and recorded as shares) and real detection, storage and delivery on a SQLite store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.history import load_alerts
from alerts.kinds import detector_for
from alerts.render import title
from core.alert import Alert
from core.errors import ConfigError
from groundswell import pipeline
from groundswell.config import Config, parse_config
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
TEXT = "Lumora Pulse caught fire on my desk, stay away from it"
NEGATIVE = {"label": "negative", "probs": {"negative": 0.9}, "model": "test"}
POSITIVE = {"label": "positive", "probs": {"positive": 0.9}, "model": "test"}


def post(native_id: str = "1", at: datetime = T0, sentiment: dict = NEGATIVE, text: str = TEXT) -> dict:
    return {"source": "x", "native_id": native_id, "text": text, "created_at": at.isoformat(), "lang": "en",
            "author": {"handle": "ann", "followers": 900}, "sentiment": sentiment}


def retweets(count: int, start: datetime, tag: str = "", text: str = TEXT, followers: int = 100) -> list[dict]:
    """`count` retweets of @ann's post by different people, spread over the 50 minutes after `start`."""
    return [{"source": "x", "native_id": f"rt{tag}{n}", "text": f"RT @ann: {text}", "lang": "en",
             "created_at": (start + timedelta(seconds=n * 3000 // max(count, 1))).isoformat(),
             "author": {"handle": f"fan{tag}{n}", "followers": followers}} for n in range(count)]


def setup(tmp_path: Path, lines: list[dict], rule: dict | None = None) -> tuple[Config, SqliteStore]:
    feed = tmp_path / "in.jsonl"
    feed.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    config = parse_config({
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": [{"type": "import", "name": "x-export", "options": {"path": str(feed)}}],
        "store": {"type": "sqlite", "path": str(tmp_path / "gs.db")},
        "report": {"path": str(tmp_path / "report.html")},
        "alerts": {"viral": rule or {}},
        "channels": [{"type": "jsonl", "path": str(tmp_path / "alerts.jsonl")}],
    })
    return config, SqliteStore(config.store.path)


def add(config: Config, lines: list[dict]) -> None:
    """Append lines to the import file (posts collected later)."""
    path = Path(config.sources[0].options["path"])
    with path.open("a", encoding="utf-8") as out:
        out.writelines(json.dumps(line) + "\n" for line in lines)


def viral(config: Config, store: SqliteStore, now: datetime | None) -> list[Alert]:
    return [a for a in pipeline.detect(config, store, now=now) if a.kind == "viral"]


def sent(tmp_path: Path) -> list[dict]:
    path = tmp_path / "alerts.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [json.loads(line) for line in lines if json.loads(line)["kind"] == "viral"]


def test_a_negative_post_reposted_fast_for_three_hours_is_one_alert_sent_once(tmp_path: Path) -> None:
    config, store = setup(tmp_path, [post(), *retweets(25, T0)])
    ids = set()
    for hour in range(3):  # the scheduler's runs: the burst goes on for three hours, 25 retweets in each
        now = T0 + timedelta(hours=hour + 1)
        report = pipeline.collect(config, store)
        assert report.reposts_recorded == 25
        found = viral(config, store, now)
        pipeline.notify(config, store, found, now=now)
        ids |= {a.id for a in found}
        add(config, retweets(25, now, tag=f"h{hour + 1}-"))
    assert len(ids) == 1
    (alert,) = [a for a in load_alerts(store) if a.kind == "viral"]
    assert (alert.window_start, alert.observed, alert.subject, alert.severity) == (T0, 25.0, "x:1", "warning")
    assert alert.reach == 2500 and alert.expected == 0  # 25 reposters of 100 followers; no reposts the day before
    assert alert.summary.startswith("Lumora: @ann's post was reposted 25 times during 2026-11-03 09:00–10:00 UTC, "
                                    "reaching 2,500 followers (the brand has no repost history before this hour yet)")
    assert [p.text for p in alert.top_posts] == [TEXT]
    assert title(alert).endswith("Viral post: Lumora")
    assert [line["id"] for line in sent(tmp_path)] == [alert.id]  # delivered once, not once per run

    # On the team's clock, as messages show it; and the measured rows say reposts and reach in words.
    detector = detector_for("viral")
    assert "reposted 25 times during 2026-11-03 18:00–19:00 KST" in detector.describe(alert, "Asia/Seoul")[0]
    assert dict(detector.measured(alert))["Reach"] == "2,500 followers of the reposters (where known)"

    # A whole-history run (the demo, a first import) finds the same alert; the shares were counted once.
    assert [a.id for a in viral(config, store, None)] == [alert.id]
    assert len(store.state_items("share:")) == 75  # the three runs' retweets, each recorded once


def test_a_brand_collected_for_hours_not_a_day_says_its_rate_is_over_those_hours(tmp_path: Path) -> None:
    """The usual rate is over the hours since the brand's first stored post, not a day padded with zeros."""
    early = T0 - timedelta(hours=5)
    config, store = setup(tmp_path, [post("0", early, text="Lumora Pulse arrived today"),
                                     *retweets(10, early, tag="e", text="Lumora Pulse arrived today"),
                                     post(), *retweets(25, T0)])
    pipeline.collect(config, store)
    (alert,) = viral(config, store, T0 + timedelta(hours=1))
    assert alert.expected == 2.0 and alert.baseline_days == round(5 / 24, 3)  # 10 reposts over 5 hours, not 24
    assert "(the brand's posts got 2 reposts an hour in all in its 5 hours of history so far)" in alert.summary
    assert dict(detector_for("viral").measured(alert))["Reposts"] == (
        "25 in one hour; the brand's posts got 2 an hour in all in its 5 hours of history so far")


def test_reposts_of_an_earlier_hour_collected_late_do_not_raise_the_post_again(tmp_path: Path) -> None:
    config, store = setup(tmp_path, [post(), *retweets(5, T0), *retweets(25, T0 + timedelta(hours=1), "b")])
    pipeline.collect(config, store)
    (first,) = viral(config, store, T0 + timedelta(hours=2))
    assert first.window_start == T0 + timedelta(hours=1)
    add(config, retweets(20, T0 + timedelta(minutes=5), "late"))  # the first hour now has 25 too
    pipeline.collect(config, store)
    assert [a.id for a in viral(config, store, T0 + timedelta(hours=3))] == [first.id]


def test_a_post_viral_again_after_the_cooldown_is_a_new_alert(tmp_path: Path) -> None:
    again = T0 + timedelta(hours=30)
    config, store = setup(tmp_path, [post(), *retweets(25, T0), *retweets(25, again, "b")], {"cooldown_hours": 24})
    pipeline.collect(config, store)
    assert [a.window_start for a in viral(config, store, None)] == [T0, again]
    assert [a.window_start for a in viral(config, store, again + timedelta(hours=1))] == [again]


def test_a_steady_trickle_of_reposts_raises_nothing(tmp_path: Path) -> None:
    # Five retweets an hour for a day, and one busy hour just under the rule's 20.
    lines = [post()] + [r for h in range(24) for r in retweets(5, T0 + timedelta(hours=h), f"h{h}-")]
    config, store = setup(tmp_path, lines + retweets(19, T0 + timedelta(hours=24), "busy"))
    assert pipeline.collect(config, store).reposts_recorded == 24 * 5 + 19
    assert viral(config, store, None) == []
    assert viral(config, store, T0 + timedelta(hours=25)) == []


def test_a_positive_post_going_viral_alerts_only_when_the_rule_counts_any_sentiment(tmp_path: Path) -> None:
    config, store = setup(tmp_path, [post(sentiment=POSITIVE), *retweets(25, T0)])
    pipeline.collect(config, store)
    assert viral(config, store, T0 + timedelta(hours=1)) == []
    any_post, _ = setup(tmp_path, [], {"sentiment": "any"})
    (alert,) = viral(any_post, store, T0 + timedelta(hours=1))
    assert alert.counted_sentiment is None and alert.top_posts[0].sentiment == "positive"


def test_severity_is_critical_from_five_times_the_threshold_or_a_large_reach(tmp_path: Path) -> None:
    config, store = setup(tmp_path, [post(), *retweets(100, T0)])
    pipeline.collect(config, store)
    assert [a.severity for a in viral(config, store, None)] == ["critical"]
    reach, _ = setup(tmp_path, [], {"min_reposts": 100, "critical_multiple": 10, "critical_reach": 10_000})
    assert [(a.severity, a.reach) for a in viral(reach, store, None)] == [("critical", 10_000)]
    assert viral(parse_config({**_raw(tmp_path), "alerts": {"viral": {"enabled": False}}}), store, None) == []


def _raw(tmp_path: Path) -> dict:
    return {"brands": [{"name": "Lumora", "query": "Lumora"}],
            "store": {"type": "sqlite", "path": str(tmp_path / "gs.db")}}


def test_the_rule_is_checked_when_the_config_loads(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"alerts\.viral\.min_reposts: Input should be greater than or equal to 2"):
        parse_config({**_raw(tmp_path), "alerts": {"viral": {"min_reposts": 1}}})
    with pytest.raises(ConfigError, match=r"alerts\.viral\.sentiment"):
        parse_config({**_raw(tmp_path), "alerts": {"viral": {"sentiment": "positive"}}})


def test_a_post_stored_without_its_author_is_named_by_the_handle_its_retweets_name(tmp_path: Path) -> None:
    anonymous = {key: value for key, value in post().items() if key != "author"}  # as the Apple export has them
    config, store = setup(tmp_path, [anonymous, *retweets(25, T0)])
    pipeline.collect(config, store)
    (alert,) = viral(config, store, T0 + timedelta(hours=1))
    assert alert.top_posts[0].author == "ann" and "@ann's post was reposted 25 times" in alert.summary
