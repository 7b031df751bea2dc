"""Brand attribution on a slice of a real stream (../shared): every tweet naming two candidates counts for both."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.conftest import shared_path
from tools.brands.attribution import evaluate, main

LIMIT = 3000  # the first tweets of the stream: enough for dozens naming two candidates (retweets stored once), seconds


def test_every_tweet_matching_two_candidates_counts_for_both():
    stream = shared_path("data", "streams", "gop-debate-2015")
    result = evaluate(stream, limit=LIMIT)
    multi = result["multi_brand"]
    # What the store holds equals matching every candidate's query directly, tweet by tweet.
    assert multi["stored"] == multi["direct"] > 20 and multi["agree"]
    # Each of those tweets counts once for every candidate it belongs to (share of voice).
    assert result["facet_brand"] == result["stored_by_brand"]
    assert sum(result["facet_brand"].values()) == result["stored"] + multi["single_brand_before_lost"]
    # The single-brand rule lost memberships; multi-brand recall is never lower for any candidate.
    assert multi["single_brand_before_lost"] >= multi["stored"]
    for row in result["per_candidate"].values():
        assert row["multi_brand"]["tp"] >= row["single_brand_before"]["tp"]


def test_command_prints_the_table_and_writes_json(tmp_path):
    stream = shared_path("data", "streams", "gop-debate-2015")
    out = tmp_path / "attribution.json"
    result = CliRunner().invoke(main, ["--stream", str(stream), "--limit", "300", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "| Donald Trump |" in result.output and "tweets counted for 2+ brands" in result.output
    saved = json.loads(out.read_text())
    assert saved["tweets"] == 300 and set(saved["per_candidate"]) >= {"Donald Trump", "Jeb Bush"}
