"""A weekly and a monthly report over a seeded store: the example in docs/reports.md.

    python -m tools.reports.example --out /tmp/gs-reports

Seeds a SQLite store with 13 weeks of synthetic mentions of two brands (fixed seed, so the
figures are reproducible), writes a config with goals, and runs `groundswell digest --period
week` and `--period month` (without sending) on it; prints the weekly report's Markdown and its
Slack summary.
The tests (tests/groundswell/test_period_report.py) check the same figures against a count of
the seeded list made without the store.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from core.mention import Author, Engagement, Mention, Sentiment
from groundswell.cli import cli
from groundswell.period_render import render_slack
from indexing.sqlite import SqliteStore

FIRST_DAY = date(2026, 8, 31)
LAST_DAY = date(2026, 11, 30)
THEMES = ["battery", "sound", "price", "shipping", "app"]


def seeded_mentions(seed: int = 47) -> list[Mention]:
    """Random but fixed daily volumes, sentiments and themes for Lumora and Sonique; a fifth unlabelled."""
    rng = random.Random(seed)
    mentions = []
    day = FIRST_DAY
    while day <= LAST_DAY:
        for brand, mean in (("Lumora", 12), ("Sonique", 8)):
            for i in range(rng.randint(mean // 2, mean * 2)):
                when = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=rng.randint(0, 23))
                label = rng.choice(["negative", "neutral", "positive", "positive", None])
                mentions.append(
                    Mention(
                        source="x",
                        native_id=f"{brand}-{day}-{i}",
                        text=f"{brand} post {i}",
                        created_at=when,
                        brand=brand,
                        lang="en",
                        author=Author(handle=f"u{i}"),
                        engagement=Engagement(likes=i),
                        sentiment=Sentiment(label=label, probs={label: 1.0}, model="t") if label else None,
                        themes=[rng.choice(THEMES)],
                    )
                )
        day += timedelta(days=1)
    return mentions


def write_example(out: Path) -> Path:
    """The seeded store and its config in `out`; returns the config path."""
    out.mkdir(parents=True, exist_ok=True)
    db = out / "groundswell.db"
    db.unlink(missing_ok=True)
    store = SqliteStore(db)
    try:
        list(store.upsert(seeded_mentions()))
    finally:
        store.close()
    config = {
        "brands": [
            {"name": "Lumora", "query": "Lumora", "goals": {"max_negative_share": 0.25, "min_share_of_voice": 0.6}},
            {"name": "Sonique", "query": "Sonique", "competitor": True},
        ],
        "store": {"path": "groundswell.db"},
        "report": {"path": "report.html"},
        "dashboard_url": "https://dash.example.org",
    }
    path = out / "groundswell.yaml"
    path.write_text(json.dumps(config, indent=1), encoding="utf-8")  # JSON is YAML
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="Folder for the store, config and reports")
    args = parser.parse_args()
    config = write_example(args.out)
    for period, day in (("week", "2026-11-18"), ("month", "2026-11-18")):
        result = CliRunner().invoke(
            cli, ["digest", "--config", str(config), "--period", period, "--day", day, "--no-send"]
        )
        if result.exit_code:
            raise SystemExit(result.output)
    print((args.out / "reports" / "week-2026-W47.md").read_text(encoding="utf-8"))
    report = json.loads((args.out / "reports" / "week-2026-W47.json").read_text(encoding="utf-8"))
    print("Slack summary:\n" + render_slack(report)["blocks"][1]["text"]["text"])


if __name__ == "__main__":
    main()
