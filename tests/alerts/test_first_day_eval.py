"""The published alert evaluation scores the first-day rule (tools/alerts/first_day_eval.py, part of
`python -m tools.alerts.evaluate`): new brands with a real first-day crisis and new brands whose first day is busy but
not negative-heavy, at several volumes, run through the real detector (`detect_spikes(..., new_brand=True)`).
Before, the evaluation never ran alerts/first_day.py at all (`detect_spikes` without `new_brand`)."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from alerts.first_day import FIRST_DAY_MIN_NEGATIVE, FIRST_DAY_MIN_SHARE
from tools.alerts.evaluate import main
from tools.alerts.first_day_eval import VOLUMES, brands, score_brands


def test_the_evaluation_command_reports_the_first_day_rule_per_volume(tmp_path):
    out = tmp_path / "eval.json"
    args = ["--seed", "7", "--held-out-seed", "2101", "--brands", "2", "--weeks", "2", "--jobs", "1", "--json", out]
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    assert result.output.count("first-day rule,") == 2  # a table for the tuning seeds and one for the held-out
    for group, seed in (("tuning", 7), ("held_out", 2101)):
        first_day = json.loads(out.read_text(encoding="utf-8"))[group]["first_day"]
        assert first_day["seeds"] == [seed]
        assert set(first_day["by_volume"]) == {f"{v:g}" for v in VOLUMES}
        crisis = first_day["all_volumes"]["crisis"]
        assert crisis["crises"] == crisis["brands"] == len(VOLUMES) * 3
        assert first_day["all_volumes"]["busy"]["brands"] == len(VOLUMES) * 3


def test_the_rule_fires_only_on_crises_that_reach_its_floor_and_never_on_a_busy_ordinary_day():
    scored = score_brands([b for seed in (7, 11, 23) for b in brands(seed)])
    for cells in [scored["all_volumes"], *scored["by_volume"].values()]:
        crisis, busy = cells["crisis"], cells["busy"]
        # Detected crises are all among those with an hour of >= 20 negatives at >= 50% (the rule's floor).
        assert crisis["detected"] == crisis["detected_of_those"] <= crisis["reaching_the_floor"]
        assert crisis["mean_time_to_detect_buckets"] is None or crisis["max_time_to_detect_buckets"] >= 0
        assert busy["brands_alerted_on_the_busy_spell"] <= busy["brands_alerted_wrongly"]
    assert scored["all_volumes"]["crisis"]["detected"] > 0  # it does fire: on the crises that reach the floor


def test_a_busy_spell_that_is_mostly_negative_counts_as_a_wrong_alert():
    # The scoring's other side: the same new brands with their busy spell turned 80% negative at 100+ posts an
    # hour (what an ordinary busy hour of a brand whose talk is mostly complaints looks like). The rule fires there,
    # and the evaluation must count each as a wrong alert, on the spell: not a crisis of any label.
    busy = [b for b in brands(7) if b["case"] == "busy" and b["volume"] >= 80]
    for b in busy:
        span = slice(b["event"]["start"], b["event"]["end"])
        b["total"][span] = np.maximum(b["total"][span], 100.0)
        b["negative"][span] = np.ceil(0.8 * b["total"][span])
        assert (b["negative"][span] >= FIRST_DAY_MIN_NEGATIVE).all()
        assert (b["negative"][span] >= FIRST_DAY_MIN_SHARE * b["total"][span]).all()
    cell = score_brands(busy)["all_volumes"]["busy"]
    assert cell["brands_alerted_wrongly"] == cell["brands_alerted_on_the_busy_spell"] == len(busy)
    assert cell["false_alerts"] >= len(busy)
