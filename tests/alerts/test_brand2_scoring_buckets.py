"""A brand with its own bucket (`brands[].alerts.spike.bucket: day`) in the backtest's score: it is scored, and its
brand-weeks counted, in its own buckets, and the time to detect is also given in hours, the one unit that holds
when brands count in hours and in days. A brand whose alerts are off is replayed all the same and named. Real
`groundswell alerts backtest -c` on a throw-away in-memory store, and `alerts.scoring.score` itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from alerts.scoring import Fired, Incident, score
from core.mention import Author, Mention, analyst_label
from groundswell.cli import cli

H, D = timedelta(hours=1), timedelta(days=1)
START = datetime(2026, 2, 1, tzinfo=UTC)
SPIKE_DAY = START + 21 * D  # 400 negative posts in its first two hours, after 21 quiet days of 30 posts


def _posts() -> list[Mention]:
    out = []
    for day in range(22):
        spike = day == 21
        for i in range(400 if spike else 30):
            at = START + day * D + timedelta(minutes=i % 120 if spike else (i * 37) % 1440)
            out.append(Mention(source="x", native_id=f"d{day}-{i}", text=f"daily and hourly, post {day}.{i}",
                               created_at=at, brands=["Daily", "Hourly"], author=Author(handle=f"u{i}", followers=40),
                               sentiment=analyst_label("negative" if spike or i % 10 == 0 else "neutral")))
    return out


def _backtest(tmp_path: Path, daily: dict, *args: str) -> tuple[list[dict], dict]:
    """The backtest of `_posts` with brands Daily (its own `alerts:` = `daily`) and Hourly (the global rules), each
    labelled with a crisis over the spike day's first two hours."""
    mentions, labels, config = tmp_path / "m.jsonl", tmp_path / "labels.jsonl", tmp_path / "g.yaml"
    mentions.write_text("".join(m.model_dump_json() + "\n" for m in _posts()), encoding="utf-8")
    labels.write_text("".join(json.dumps({"brand": b, "kind": "sudden", "start": SPIKE_DAY.isoformat(),
                                          "end": (SPIKE_DAY + 2 * H).isoformat()}) + "\n"
                              for b in ("Daily", "Hourly")), encoding="utf-8")
    config.write_text(json.dumps({"brands": [{"name": "Daily", "query": "daily", "alerts": daily},
                                             {"name": "Hourly", "query": "hourly"}],
                                  "sources": [], "store": {"path": str(tmp_path / "g.db")}}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["alerts", "backtest", "--input", str(mentions), "-c", str(config),
                                      "--incidents", str(labels), *args])
    assert result.exit_code == 0, result.output
    *alerts, last = [json.loads(line) for line in result.stdout.strip().splitlines()]
    return alerts, last["summary"]


def test_a_crisis_decided_a_day_after_it_ended_is_caught_in_day_buckets_and_missed_in_hour_ones():
    crisis = Incident("B", "sudden", START, START + 2 * H)
    late = [Fired("B", START, START + D, decided_at=START + D)]  # the end of the crisis's day bucket
    assert score(late, [crisis], H, 1.0, brand_steps={"B": D}).detected == 1
    assert score(late, [crisis], H, 1.0).detected == 0


def test_time_to_detect_is_also_given_in_hours_one_unit_for_hourly_and_daily_brands():
    # In buckets the two add up to 1.5 "buckets" of no single size; in hours they are 3 and 48.
    t = START
    crises = [Incident("Hourly", "sudden", t, t + 6 * H), Incident("Daily", "slow", t, t + 3 * D, onset=t + 12 * H)]
    fired = [Fired("Hourly", t, t + H, t + 3 * H), Fired("Daily", t, t + D, t + 2 * D)]
    result = score(fired, crises, H, 1.0, brand_steps={"Daily": D}).as_dict()
    assert result["mean_time_to_detect_hours_from_start"] == (3 + 48) / 2
    assert result["mean_time_to_detect_hours"] == (3 + 36) / 2  # the slow crisis counts from its onset
    assert result["by_kind"]["slow"]["mean_time_to_detect_hours"] == 36
    assert result["by_kind"]["sudden"]["mean_time_to_detect_hours"] == 3


def test_the_backtest_scores_and_counts_a_daily_brand_in_days(tmp_path):
    alerts, summary = _backtest(tmp_path, {"spike": {"bucket": "day"}})
    spikes = {a["brand"]: a["decided_at"] for a in alerts if a["kind"] == "spike"}
    assert spikes == {"Daily": (SPIKE_DAY + D).isoformat(), "Hourly": (SPIKE_DAY + H).isoformat()}
    assert summary["brand_buckets"] == {"Daily": "day"}
    s = summary["score"]
    # Daily's alert, 22 hours after its crisis ended, is within one of its own (day) buckets: it counts.
    assert (s["crises"], s["detected"], s["mean_time_to_detect_buckets"]) == (2, 2, 0)
    assert s["mean_time_to_detect_hours"] == (24 + 1) / 2  # what the buckets hide: a day against an hour
    # Brand-weeks: each brand's span in its own buckets, less the first day. Daily: 22 day buckets; Hourly: from
    # the first hour to the spike day's second hour.
    daily, hourly = 22 * D - D, (21 * D + 2 * H) - D
    assert s["brand_weeks"] == round((daily + hourly) / timedelta(weeks=1), 2)


def test_the_backtest_replays_a_disabled_brand_and_names_it(tmp_path):
    alerts, summary = _backtest(tmp_path, {"enabled": False})
    assert summary["disabled_brands"] == ["Daily"]
    assert {a["brand"] for a in alerts if a["kind"] == "spike"} == {"Daily", "Hourly"}  # `enabled` is ignored


def test_brand_rules_show_what_the_config_says_whatever_preset_and_bucket_the_command_forces(tmp_path):
    _, summary = _backtest(tmp_path, {"spike": {"bucket": "day"}}, "--preset", "more", "--bucket", "hour")
    assert summary["brand_rules"] == {"Daily": {"spike": {"bucket": "day"}}}  # Hourly writes nothing: not listed
    assert summary["brand_buckets"] == {}  # --bucket hour holds for Daily too
    assert summary["disabled_brands"] == []
