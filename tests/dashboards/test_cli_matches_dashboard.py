"""The CLI reads and writes what the dashboard shows: `--since/--until` dates are days in digest.timezone (the zone of
the dashboard, the digest and the reports), not UTC days; `--csv` files are the pages' ⬇ CSV downloads byte for
byte, the UTF-8 byte-order mark included (Excel needs it for Korean, Chinese, Russian). The demo data in a real
SQLite store (a copy per test), the real CLI and the real dashboard app."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from web_support import BRANDS, demo_app, demo_db

from groundswell.cli import cli
from indexing.sqlite import SqliteStore

BOM = b"\xef\xbb\xbf"
ZONE = "Asia/Seoul"
DAYS = {"since": "2026-11-02", "until": "2026-11-05"}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A config over a copy of the demo store, its team in Seoul (digest.timezone)."""
    shutil.copy(demo_db(), tmp_path / "demo.db")
    path = tmp_path / "g.yaml"
    path.write_text(json.dumps({
        "brands": [{"name": name, "query": name, "competitor": competitor} for name, competitor in BRANDS],
        "sources": [], "store": {"type": "sqlite", "path": str(tmp_path / "demo.db")},
        "report": {"path": str(tmp_path / "report.html")}, "digest": {"timezone": ZONE},
    }), encoding="utf-8")
    return path


def _cli(*args: str) -> tuple[list[dict], str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")], result.stderr


def _api(config: Path, path: str, **params: str):
    store = SqliteStore(config.parent / "demo.db")
    try:
        with TestClient(demo_app(store, timezone=ZONE), base_url="http://127.0.0.1") as client:
            response = client.get(path, params=params)
    finally:
        store.close()
    assert response.status_code == 200, response.text
    return response


def test_cli_dates_are_days_of_the_teams_zone_as_on_the_dashboard(config: Path) -> None:
    lines, _ = _cli("advocates", "-c", str(config), "--brand", "Lumora", "--since", DAYS["since"],
                    "--until", DAYS["until"], "-n", "10")
    ranked = [a["handle"] for a in lines[-1]["authors"]]
    seoul = _api(config, "/api/advocates", brand="Lumora", n="10", tz=ZONE, **DAYS).json()
    utc = _api(config, "/api/advocates", brand="Lumora", n="10", tz="UTC", **DAYS).json()
    assert [a["handle"] for a in utc["authors"]] != [a["handle"] for a in seoul["authors"]]  # the zone matters here
    assert ranked == [a["handle"] for a in seoul["authors"]]
    # A date-time with an offset is that instant whatever the zone: 00:00 in Seoul is 15:00 UTC the day before.
    exact, _ = _cli("advocates", "-c", str(config), "--brand", "Lumora", "--since", "2026-11-01T15:00:00Z",
                    "--until", "2026-11-05T00:00:00+09:00", "-n", "10")
    assert [a["handle"] for a in exact[-1]["authors"]] == ranked


def test_cli_date_options_name_the_zone_they_read_dates_in() -> None:
    for command in (["advocates"], ["ingest"], ["alerts", "list"], ["store", "re-enrich"], ["store", "copy"],
                    ["sentiment", "audit-sample"], ["sentiment", "rules"]):
        shown = CliRunner().invoke(cli, [*command, "--help"], terminal_width=400).output
        assert "--since" in shown and "digest.timezone" in shown.split("--since", 1)[1], command


def test_cli_csv_files_are_the_dashboards_downloads_with_the_bom(config: Path, tmp_path: Path) -> None:
    alerts_file, plain_file, ranking_file = tmp_path / "alerts.csv", tmp_path / "plain.csv", tmp_path / "adv.csv"
    _, said = _cli("alerts", "list", "-c", str(config), "--csv", str(alerts_file))
    _cli("alerts", "list", "-c", str(config), "--csv", str(plain_file), "--no-bom")
    _cli("advocates", "-c", str(config), "--brand", "Lumora", "--csv", str(ranking_file), *sum(
        (["--" + k, v] for k, v in DAYS.items()), []))
    written = alerts_file.read_bytes()
    assert written.startswith(BOM) and written.count(BOM) == 1 and "alert(s) written to" in said
    assert written == _api(config, "/api/alerts", format="csv", bom="1").content  # what ⬇ CSV on Alerts downloads
    assert plain_file.read_bytes() == _api(config, "/api/alerts", format="csv").content
    assert any(ord(ch) > 0x2000 for ch in written.decode("utf-8"))  # the demo's alerts quote non-Latin posts
    ranking = _api(config, "/api/advocates", brand="Lumora", format="csv", bom="1", tz=ZONE, **DAYS).content
    assert ranking_file.read_bytes() == ranking and ranking.startswith(BOM)
