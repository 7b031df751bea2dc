"""`python -m tools.alerts.first_day_stats --hour`: the counts of asked hours, by the labels asked for, on a real
stream (what docs/alerts.md quotes for the debate's first hours and Apple's #DieIn hours). An asked hour the rule
fires on reads the same counts as the rule's own list; an hour without posts reads 0 of 0."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.conftest import shared_path
from tools.alerts.first_day_stats import main

ASKED = ("2015-08-07T01:00", "2015-08-07T02:00")  # the debate's first two hours, where the rule fires (human labels)
EMPTY = "2015-07-01T00:00"  # a month before the stream


def test_asked_hours_read_the_counts_the_rule_reads():
    stream = shared_path("data", "streams", "gop-debate-2015")
    args = ["--stream", str(stream), "--labels", "gold"] + [a for h in (*ASKED, EMPTY) for a in ("--hour", h)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output[-2000:]
    brands = json.loads(result.output)["brands"]
    checked = 0
    for brand in brands.values():
        asked = brand["hours_asked"]
        assert set(asked) == {f"{h}:00+00:00" for h in (*ASKED, EMPTY)}
        assert asked[f"{EMPTY}:00+00:00"] == {"negative": 0, "posts": 0, "share": None}
        for fire in brand["first_day_rule_fires"]:
            if fire["hour"] in asked:
                row = asked[fire["hour"]]
                assert (row["negative"], row["posts"]) == (fire["negative"], fire["posts"])
                assert row["share"] == round(fire["negative"] / fire["posts"], 3)
                checked += 1
    assert checked >= 2  # the rule fires on several candidates in those hours
