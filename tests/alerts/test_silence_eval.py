"""`python -m tools.alerts.silence_eval`: on the real Apple stream the silence detector raises no false alarm,
and sees every injected 6-hour collection outage that was due posts, within hours."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
from click.testing import CliRunner

from alerts.series import CountSeries
from alerts.silence import SilenceRule
from tests.conftest import shared_path
from tools.alerts.silence_eval import evaluate_series, main


def test_the_real_apple_stream(tmp_path):
    folder = shared_path("data", "streams", "apple-2014")
    out = tmp_path / "silence.json"
    result = CliRunner().invoke(main, ["--stream", str(folder), "--json", str(out)])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(out.read_text(encoding="utf-8"))["series"]
    assert (row["brand"], row["source"]) == ("Apple", "x") and row["posts"] > 3000
    assert row["false_alarms"] == []  # eight real days of bursts and lulls: never silent
    assert row["outages_tried"] > 150 and row["seen"] == row["outages_due"]
    assert row["delay_hours"]["max"] <= 3 and row["missed_though_due"] == []


def test_an_outage_in_hours_that_bring_few_posts_is_counted_as_not_due():
    # 1 post an hour for three days: a 6-hour outage is 6 expected posts, under min_expected (10).
    hours = 72
    series = CountSeries(datetime(2026, 1, 5, tzinfo=UTC), "hour", np.zeros(hours), np.ones(hours), np.ones(hours))
    row = evaluate_series(series, "acme", "rss", 6, SilenceRule(enabled=True))
    assert row["false_alarms"] == [] and row["seen"] == 0 and row["outages_due"] == 0
    assert row["not_due"] == {"count": row["outages_tried"], "max_expected": 6.0}


def test_a_folder_that_is_not_a_stream_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["--stream", str(tmp_path)])
    assert result.exit_code == 2 and "mentions.jsonl is absent" in result.output
