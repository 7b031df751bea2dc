"""Backtest CLI and evaluation streams: replay labelled history, score it, honestly."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from alerts.backtest import LoadReport, read_mentions
from alerts.config import SpikeRule
from groundswell.alerts_cli import alerts
from tools.alerts.evalstreams import generate, write
from tools.alerts.evaluate import evaluate


def test_backtest_cli_replays_and_scores(tmp_path):
    info = write(tmp_path, seed=3, brands=1, weeks=3, mention_brands=1)
    assert info["mentions"] > 1000
    mentions = tmp_path / "mentions.jsonl"
    # Add an untagged line and a broken line: both are reported, the rest still runs.
    with mentions.open("a", encoding="utf-8") as f:
        f.write(
            json.dumps(
                {
                    "source": "x",
                    "native_id": "u1",
                    "text": "acme?",
                    "created_at": "2026-01-20T10:00:00Z",
                    "brand": "brand00",
                }
            )
            + "\n"
        )
        f.write("{not json\n")
    incidents = tmp_path / "incidents.jsonl"
    brand_incidents = [json.loads(line) for line in incidents.read_text().splitlines()]
    brand_incidents = [i for i in brand_incidents if i["brand"] == "brand00"]

    result = CliRunner().invoke(alerts, ["backtest", "--input", str(mentions), "--incidents", str(incidents)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.strip().splitlines()]
    summary = lines[-1]["summary"]
    fired = lines[:-1]
    assert summary["skipped"]["no_sentiment"] == 1 and summary["skipped"]["invalid"] == 1
    assert "without sentiment" in result.stderr
    assert summary["loaded"] == info["mentions"]
    assert all({"brand", "start", "end", "severity", "statistic", "score"} <= set(row) for row in fired)
    ids = {row["id"] for row in fired}
    assert all(row["incident_id"] in ids for row in fired)  # every alert belongs to an incident it or another opened
    crises = [i for i in brand_incidents if i["kind"] in ("sudden", "slow")]
    score = summary["score"]
    assert score["crises"] == len(crises) > 0
    assert score["recall"] >= 0.5
    assert score["viral_positive_alerts"] == 0
    # Same input, same alerts, same ids.
    again = CliRunner().invoke(alerts, ["backtest", "--input", str(mentions), "--preset", "balanced"])
    assert [json.loads(x)["id"] for x in again.stdout.strip().splitlines()[:-1]] == [row["id"] for row in fired]


def test_backtest_without_usable_lines_fails_clearly(tmp_path):
    path = tmp_path / "untagged.jsonl"
    path.write_text(
        json.dumps(
            {"source": "x", "native_id": "1", "text": "hi", "created_at": "2026-01-01T00:00:00Z", "brand": "acme"}
        )
        + "\n"
    )
    result = CliRunner().invoke(alerts, ["backtest", "--input", str(path)])
    assert result.exit_code == 1
    assert "no usable mentions" in result.stderr


def test_evaluation_streams_are_seeded_and_presets_behave(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write(a, seed=5, brands=2, weeks=2, mention_brands=0)
    write(b, seed=5, brands=2, weeks=2, mention_brands=0)
    assert (a / "counts.jsonl").read_text() == (b / "counts.jsonl").read_text()
    kinds = {json.loads(line)["kind"] for line in (a / "incidents.jsonl").read_text().splitlines()}
    assert {"viral_positive", "holiday"} & kinds

    presets = {name: SpikeRule(preset=name) for name in ("fewer", "balanced", "more")}
    report = evaluate(seed=11, brands=6, weeks=3, rules=presets)["presets"]
    for preset in report.values():
        assert preset["viral_positive_alerts"] == 0 or preset is report["more"]
    assert report["balanced"]["recall"] >= 0.8
    assert report["fewer"]["false_alerts"] <= report["balanced"]["false_alerts"] <= report["more"]["false_alerts"]


def test_time_to_detect_counts_from_material_onset_and_reports_from_start():
    from datetime import UTC, datetime, timedelta

    from alerts.scoring import Fired, Incident, score

    h = timedelta(hours=1)
    t0 = datetime(2026, 1, 10, 8, tzinfo=UTC)
    slow = Incident("b", "slow", t0, t0 + 12 * h, onset=t0 + 3 * h)  # material from 11:00
    sudden = Incident("b", "sudden", t0 + 30 * h, t0 + 34 * h)
    fired = [
        Fired("b", t0 + 2 * h, t0 + 5 * h, decided_at=t0 + 5 * h),  # end of 12:00, one bucket after onset
        Fired("b", t0 + 30 * h, t0 + 31 * h, decided_at=t0 + 31 * h),
        Fired("b", t0 + 60 * h, t0 + 61 * h, decided_at=t0 + 61 * h),  # overlaps nothing
    ]
    result = score(fired, [slow, sudden], h, brand_weeks=1.0).as_dict()
    assert result["recall_within_1_bucket"] == 1.0
    assert result["recall_within_1_bucket_from_start"] == 0.5  # 4 buckets after the first planted post
    assert result["by_kind"]["slow"]["mean_time_to_detect_buckets"] == 1
    assert result["false_alerts"] == 1


def test_generated_slow_crises_carry_a_material_onset():
    from tools.alerts.evalstreams import generate

    labels = [inc for s in generate(7, brands=6, weeks=3) for inc in s.incidents]
    crises = [i for i in labels if i["kind"] in ("slow", "sudden")]
    assert crises and all(i["start"] <= i["onset"] < i["end"] for i in crises)
    assert all(i["onset"] == i["start"] for i in crises if i["kind"] == "sudden")


def test_generate_refuses_a_stream_too_short_for_its_history_week():
    # A library caller gets the rule, not numpy's "low >= high" from deep inside make_stream.
    with pytest.raises(ValueError, match="weeks must be at least 2"):
        generate(7, brands=1, weeks=1)


def _line(native_id: str, text: str, handle: str | None) -> str:
    author = {"handle": handle} if handle else {}
    return json.dumps({
        "source": "x", "native_id": native_id, "created_at": "2014-12-04T20:00:00Z", "brand": "Apple",
        "author": author, "text": text, "lang": "en",
        "sentiment": {"label": "neutral", "probs": {"neutral": 0.9}, "model": "test"},
    })  # fmt: skip


def test_backtest_counts_authorless_posts_with_the_same_words_as_different_voices(tmp_path):
    # Real case (apple-2014 stream, no author on any tweet): 248 of 3,048 stored tweets were dropped
    # as "duplicates" because every authorless post looked like one author's repeat.
    same = "Apple CEO Tim Cook comes out as gay @Apple http://t.co/x"
    lines = [
        _line("1", same, None),
        _line("2", same.replace("x", "y"), None),  # another person, same words (URL differs)
        _line("1", same, None),  # the first post again (a re-import): counted once
        _line("3", same, "kim"),
        _line("4", same, "kim"),  # the same author's same words again (a cross-post): counted once
        _line("5", same, "lee"),
    ]
    path = tmp_path / "m.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = LoadReport()
    loaded = [m.id for m in read_mentions(path, report)]
    assert loaded == ["x:1", "x:2", "x:3", "x:5"]
    assert (report.lines, report.loaded, report.duplicates) == (6, 4, 2)


def test_backtest_lines_name_the_slice_of_a_split_alert(tmp_path):
    # A crisis confined to the Italian community: with `split_by: [lang]` the alert is the Italian
    # slice's, and its output line must say so (it read like a brand-level alert before).
    from datetime import timedelta

    import numpy as np
    from alert_series import START, rhythm_series

    from core.mention import Author, Mention, Sentiment, dump_mention

    def mention(n: str, hour: int, i: int, label: str, lang: str) -> str:
        return dump_mention(Mention(
            source=f"src-{lang}", native_id=n, text=f"{lang} acme post {n}", brand="Acme", lang=lang,
            created_at=START + timedelta(hours=hour, minutes=(i * 7) % 60), author=Author(handle=f"u{n}"),
            sentiment=Sentiment(label=label, probs={label: 0.9}, model="test"),
        ))  # fmt: skip

    rng = np.random.default_rng(8)
    lines: list[str] = []
    for lang, level, seed in (("en", 60.0, 21), ("it", 6.0, 22)):
        negative, total = rhythm_series(days=16, level=level, share=0.15, seed=seed)
        for hour in range(16 * 24):
            for i in range(int(total[hour])):
                label = "negative" if i < negative[hour] else ("positive" if rng.random() < 0.6 else "neutral")
                lines.append(mention(f"{lang}-{hour}-{i}", hour, i, label, lang))
    crisis = 14 * 24 + 15
    lines += [mention(f"crisis-{k}-{i}", crisis + k, i, "negative", "it") for k in range(2) for i in range(6)]
    (tmp_path / "m.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "g.yaml").write_text(
        "brands:\n  - {name: Acme, query: acme}\nalerts: {split_by: [lang]}\n"
        f"store: {{type: sqlite, path: {tmp_path / 'g.db'}}}\n",
        encoding="utf-8",
    )

    args = ["backtest", "--input", str(tmp_path / "m.jsonl"), "--config", str(tmp_path / "g.yaml")]
    result = CliRunner().invoke(alerts, args)
    assert result.exit_code == 0, result.output
    fired = [json.loads(line) for line in result.stdout.strip().splitlines()[:-1]]
    crisis_hours = [(START + timedelta(hours=crisis + k)).isoformat() for k in range(2)]
    sliced = [row for row in fired if row["kind"] == "spike" and row.get("lang")]
    # Its window starts in the crisis's first hour (a drift test's run) or its second (the count test).
    assert [row["lang"] for row in sliced] == ["it"] and sliced[0]["start"] in crisis_hours
    assert "source" not in sliced[0]  # split by language only: no source slice to name
    assert not [row for row in fired if row["kind"] == "spike" and row["start"] in crisis_hours and "lang" not in row]
