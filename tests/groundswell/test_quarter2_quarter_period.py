"""`groundswell digest --period quarter` (finding 8 of the quarterly review): a calendar quarter against the quarter
before, through the same period report as weeks and months."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from click.testing import CliRunner

from core.mention import Mention
from groundswell.cli import cli
from groundswell.periods import last_complete, period_containing
from indexing.sqlite import SqliteStore


def test_quarters():
    q = period_containing("quarter", date(2014, 12, 5))
    assert (q.start, q.end, q.id, q.label) == (date(2014, 10, 1), date(2015, 1, 1), "quarter:2014-Q4",
                                               "Q4 2014 (Oct – Dec 2014)")
    assert q.previous() == period_containing("quarter", date(2014, 7, 1))
    assert q.days == 92
    assert last_complete("quarter", date(2015, 4, 1)).id == "quarter:2015-Q1"


def test_cli_digest_period_quarter(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    t0 = datetime(2014, 12, 1, 12, tzinfo=UTC)
    list(store.upsert([Mention(source="x", native_id=str(i), text="Apple", brand="Apple",
                               created_at=t0 + timedelta(hours=i)) for i in range(30)]))
    store.close()
    path = tmp_path / "groundswell.yaml"
    path.write_text(json.dumps({"brands": [{"name": "Apple", "query": "Apple"}],
                                "store": {"path": str(tmp_path / "g.db")},
                                "report": {"path": str(tmp_path / "out" / "report.html")}}))
    args = ["digest", "--config", str(path), "--period", "quarter", "--day", "2014-12-05", "--no-send"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 1), result.output  # 1: a period before the first day with data is not sent
    assert "Groundswell quarterly report — Q4 2014 (Oct – Dec 2014)" in result.stderr
    assert "| Mentions | 30 |" in result.stderr
