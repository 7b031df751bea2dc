"""A brand removed from the config (or renamed: its old name) is not counted by the report or the run summary.

Before, the report's "mentions" and sentiment tiles counted every stored post (`store.count(Filters())`), its
header counted every stored alert (brand sections added up to less), and `run`'s `by_brand` listed the removed
brand beside the configured ones.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from alerts.history import save_alerts
from core.alert import Alert
from core.mention import Mention
from groundswell.cli import cli
from groundswell.pipeline import summarize
from indexing.sqlite import SqliteStore

DAY = datetime(2026, 11, 10, tzinfo=UTC)
# post text -> the brands it was stored under, when Sonique was still configured
POSTS = {
    "Lumora earbuds are great": ["Lumora"],
    "Lumora again": ["Lumora"],
    "Lumora beats Sonique": ["Lumora", "Sonique"],  # names a configured brand: still counted
    "Sonique is loud": ["Sonique"],
    "Sonique broke": ["Sonique"],
    "Sonique, third post": ["Sonique"],
}
KEPT = [b for b in POSTS.values() if "Lumora" in b]


def _alert(brand: str, hour: int) -> Alert:
    return Alert(brand=brand, kind="spike", severity="critical", window_start=DAY + timedelta(hours=hour),
                 window_end=DAY + timedelta(hours=hour + 1), observed=9, expected=1, statistic="poisson", score=5.0)


def _filled(tmp_path: Path) -> Path:
    """A store of Lumora and Sonique posts and alerts, and a config that kept Lumora only."""
    store = SqliteStore(str(tmp_path / "g.db"))
    list(store.upsert([  # a generator: written as it is read
        Mention(source="x", native_id=str(n), text=text, created_at=DAY + timedelta(hours=n), brands=brands)
        for n, (text, brands) in enumerate(POSTS.items())
    ]))
    save_alerts(store, [_alert("Lumora", 3), _alert("Sonique", 5), _alert("Sonique", 30)])
    store.close()
    (tmp_path / "in.jsonl").write_text("", encoding="utf-8")
    config = {
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": [{"type": "import", "options": {"path": str(tmp_path / "in.jsonl")}}],
        "store": {"path": str(tmp_path / "g.db")},
        "report": {"path": str(tmp_path / "report.html")},
    }
    path = tmp_path / "g.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def test_the_report_counts_the_configured_brands_posts_and_alerts_only(tmp_path: Path) -> None:
    config = _filled(tmp_path)
    result = CliRunner().invoke(cli, ["report", "-c", str(config)])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    found = re.findall(r'<div class="kpi"><b>([\d,]+)</b>(\w+)</div>', page)
    tiles = {label: int(n.replace(",", "")) for n, label in found}
    assert tiles["mentions"] == len(KEPT)  # the removed brand's own posts are not counted
    head = re.search(r'id="kpi-alerts" data-incidents="(\d+)" data-alerts="(\d+)"', page)
    assert head is not None and (int(head[1]), int(head[2])) == (1, 1)  # Lumora's one alert, as its section
    assert "Sonique" not in re.sub(r"<div class=\"post\">.*?</div>", "", page)  # no section, tile or pie slice


def test_the_run_summary_splits_count_the_configured_brands_only(tmp_path: Path) -> None:
    _filled(tmp_path)
    store = SqliteStore(str(tmp_path / "g.db"))
    try:
        summary = summarize(store, brands=["Lumora"])
    finally:
        store.close()
    assert summary["by_brand"] == {"Lumora": len(KEPT)}
    assert summary["stored"] == len(KEPT)
    assert sum(summary["by_source"].values()) == len(KEPT)
