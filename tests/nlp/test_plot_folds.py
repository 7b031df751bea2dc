"""The fold plot (tools/sentiment/plot_folds.py) shows what compare_folds says, and the committed plot is the one
the committed comparison draws."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import click
import pytest

from tools.sentiment.plot_folds import draw

ROOT = Path(__file__).resolve().parents[2]
COMPARISON = ROOT / "docs" / "fold-comparison.json"
SVG = "{http://www.w3.org/2000/svg}"


def _comparison() -> dict:
    return json.loads(COMPARISON.read_text(encoding="utf-8"))


def test_committed_plot_is_drawn_from_the_committed_comparison():
    assert (ROOT / "docs" / "runs" / "folds.svg").read_text(encoding="utf-8") == draw(_comparison()), (
        "docs/runs/folds.svg is stale: run python -m tools.sentiment.plot_folds")


def test_each_fold_is_a_pair_of_points_and_the_union_and_its_interval_are_drawn():
    comparison = _comparison()
    titles = [c.find(f"{SVG}title").text for c in ET.fromstring(draw(comparison)).iter(f"{SVG}circle")]
    for fold, entry in comparison["per_fold"].items():
        for side in ("reference", "run"):
            assert f"fold {fold}, {side}: {entry[side]['cv_mean_macro_f1']:.2f}" in titles
    rows = f"all folds ({comparison['rows']:,} rows)"
    assert f"{rows}, run: {comparison['run']['cv_mean_macro_f1']:.2f}" in titles
    difference = comparison["difference"]
    assert f"mean difference {difference['mean_difference']:+.2f}, better in {difference['share_better']:.1%}" in titles
    assert len(titles) == 2 * (len(comparison["per_fold"]) + 1) + 1


def test_something_else_is_one_clear_error():
    with pytest.raises(click.ClickException, match="not a compare_folds output"):
        draw({"pooled": {}})
