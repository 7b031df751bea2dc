"""The pool plot (tools/sentiment/plot_pool.py) shows what the pooled comparison says, and the committed
plot is the one the committed comparison draws (so the picture in docs/runs/ cannot go stale)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tools.sentiment.plot_pool import draw, main

ROOT = Path(__file__).resolve().parents[2]
COMPARISON = ROOT / "docs" / "run-comparison-pool.json"
SVG = "{http://www.w3.org/2000/svg}"


def _comparison() -> dict:
    return json.loads(COMPARISON.read_text(encoding="utf-8"))


def test_committed_plot_is_drawn_from_the_committed_comparison():
    assert (ROOT / "docs" / "runs" / "pool.svg").read_text(encoding="utf-8") == draw(_comparison()), (
        "docs/runs/pool.svg is stale: run python -m tools.sentiment.plot_pool")


def test_every_pooled_seed_is_one_point_with_its_cv_and_the_reference_is_ringed():
    comparison = _comparison()
    pooled = comparison["pooled"]
    root = ET.fromstring(draw(comparison))
    points = {c.find(f"{SVG}title").text: c for c in root.iter(f"{SVG}circle")}
    for name in pooled["reference_runs"] + pooled["runs"]:
        title = f"{name}: {comparison['runs'][name]['cv_mean_macro_f1']:.2f}"
        assert title in points
        assert ("stroke" in points[title].attrib) == (name == comparison["reference"])
    difference = [t for t in points if t.startswith("mean difference")]
    assert difference == [f"mean difference {pooled['mean_difference']:+.2f}, "
                          f"better in {pooled['share_better']:.1%}"]


def test_a_better_candidate_sits_right_of_the_reference_mean():
    comparison = _comparison()
    root = ET.fromstring(draw(comparison))
    means = [float(line.find(f"{SVG}title").text.split()[1]) for line in root.iter(f"{SVG}line")
             if line.find(f"{SVG}title") is not None and line.find(f"{SVG}title").text.startswith("mean ")]
    xs = [float(line.get("x1")) for line in root.iter(f"{SVG}line")
          if line.find(f"{SVG}title") is not None and line.find(f"{SVG}title").text.startswith("mean ")]
    assert len(means) == 2 and (means[1] > means[0]) == (xs[1] > xs[0])


def test_a_comparison_without_a_pool_or_not_json_is_one_clear_error(tmp_path):
    comparison = _comparison()
    del comparison["pooled"]
    with pytest.raises(click.ClickException, match="--pool"):
        draw(comparison)
    comparison = _comparison()
    comparison["pooled"]["runs"] = ["docs/runs/not-there"]
    with pytest.raises(click.ClickException, match="not-there"):
        draw(comparison)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(main, ["--comparison", str(broken), "--out", str(tmp_path / "p.svg")])
    assert result.exit_code == 1 and "is not JSON" in result.output
    assert not (tmp_path / "p.svg").exists()


def test_a_side_scored_by_its_head_alone_says_so():
    """compare_runs --combine head: the plot must not call a head's figures a stacker's."""
    comparison = _comparison()
    for name in comparison["pooled"]["runs"]:
        comparison["runs"][name]["combine"] = "head"
    svg = draw(comparison)
    assert "Head or stacker CV macro-F1 per seed" in svg
    assert "12 layers × 3 epochs, head alone (5 seeds)" in svg
    assert "4 layers × 6 epochs (5 seeds)" in svg
