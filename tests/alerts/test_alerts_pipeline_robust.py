"""Detection through the real pipeline and store on awkward data: nothing lost, nothing crashes.

- a crisis-term alert far in the Poisson tail keeps a finite score, so it is stored, loads back
  and is served by /api/alerts (an infinite score was stored as null and silently dropped);
- a brand with sparse history (hours of the day never seen busy) gets a finite baseline;
- one brand whose detection fails does not stop the others, and the run says so.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from alerts.history import load_alerts
from core.mention import Author, Mention, Sentiment
from dashboards.web.app import create_app
from groundswell import pipeline
from groundswell.cli import cli
from groundswell.config import BrandConfig, Config
from indexing.config import SqliteStoreConfig
from indexing.sqlite import SqliteStore

DAY0 = datetime(2026, 3, 2, tzinfo=UTC)


def _mention(brand: str, n: int, at: datetime, label: str, text: str | None = None) -> Mention:
    return Mention(
        source="import",
        native_id=f"{brand}-{n}",
        text=text or f"{brand} post number {n}",
        created_at=at,
        author=Author(handle=f"user{n}"),
        brand=brand,
        lang="en",
        sentiment=Sentiment(label=label, probs={label: 0.9}, model="test"),
    )


def sparse_history(brand: str) -> list[Mention]:
    """The issue's reproduction: one neutral mention at 10:00 on each of 5 days, then 10
    negatives at 22:00 on day 6. 22:00 sits in 5+ empty hours of the day."""
    out = [_mention(brand, d, DAY0 + timedelta(days=d, hours=10), "neutral") for d in range(5)]
    out += [_mention(brand, 100 + i, DAY0 + timedelta(days=5, hours=22, minutes=i), "negative") for i in range(10)]
    return out


def _config(tmp_path: Path, *brands: BrandConfig) -> Config:
    return Config(brands=list(brands), store=SqliteStoreConfig(path=str(tmp_path / "gs.db")))


def _store(config: Config, mentions: list[Mention]) -> SqliteStore:
    store = SqliteStore(config.store.path)
    assert all(r.ok for r in store.upsert(mentions))
    return store


def test_keyword_alert_far_in_the_tail_is_stored_loaded_and_served(tmp_path):
    # A term unseen for two days, then 150 negative posts with it in one hour: p underflows to 0.
    brand = BrandConfig(name="Acme", query="acme", crisis_terms=["recall"])
    config = _config(tmp_path, brand)
    quiet = [_mention("Acme", i, DAY0 + timedelta(hours=i), "neutral", "acme is fine") for i in range(48)]
    burst = [
        _mention("Acme", 1000 + i, DAY0 + timedelta(hours=50, seconds=20 * i), "negative", "acme recall now")
        for i in range(150)
    ]
    store = _store(config, quiet + burst)
    try:
        found = pipeline.detect(config, store)
        keyword = [a for a in found if a.kind == "keyword"]
        assert len(keyword) == 1 and keyword[0].observed == 150
        assert math.isfinite(keyword[0].score) and keyword[0].score > 300
        loaded = {a.id: a for a in load_alerts(store)}
        assert loaded[keyword[0].id].score == keyword[0].score  # not null, not skipped
        # Without a token the dashboard answers loopback Host names only (docs/security.md).
        with TestClient(create_app(store, config), base_url="http://127.0.0.1") as client:
            served = client.get("/api/alerts").json()["alerts"]
        assert keyword[0].id in {a["id"] for a in served}
        text = json.dumps(served, allow_nan=False)  # strict JSON all the way
        assert "Infinity" not in text
    finally:
        store.close()


def test_sparse_history_through_groundswell_run(tmp_path):
    lines = [m.model_dump_json() for m in sparse_history("Sparse")]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "groundswell.yaml").write_text(
        "brands:\n  - name: Sparse\n    query: sparse\n"
        f"sources:\n  - type: import\n    options: {{path: {tmp_path / 'in.jsonl'}}}\n"
        f"store: {{type: sqlite, path: {tmp_path / 'gs.db'}}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["run", "-c", str(tmp_path / "groundswell.yaml"), "--history", "--no-progress", "--no-report"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["detect_errors"] == {}
    spikes = [a for a in summary["alerts"] if a["kind"] == "spike"]
    assert [a["start"] for a in spikes] == [(DAY0 + timedelta(days=5, hours=22)).isoformat()]


def _fail_for(monkeypatch, broken: str) -> None:
    """Make detection raise for one brand. Fault injection: a wrapper around the real
    detect_alerts, since no data makes the fixed detectors fail on demand. Patched where the
    pipeline looks it up (its module-level import)."""
    real = pipeline.detect_alerts

    def detect_alerts(store, brand, *args, **kwargs):
        if brand.name == broken:
            raise RuntimeError(f"injected failure for {brand.name}")
        return real(store, brand, *args, **kwargs)

    monkeypatch.setattr(pipeline, "detect_alerts", detect_alerts)


def test_one_brand_failing_does_not_stop_the_others(tmp_path, monkeypatch, caplog):
    _fail_for(monkeypatch, "Broken")
    config = _config(tmp_path, BrandConfig(name="Broken", query="broken"), BrandConfig(name="Sparse", query="sparse"))
    store = _store(config, sparse_history("Broken") + sparse_history("Sparse"))
    try:
        found = pipeline.detect(config, store)
        assert {a.brand for a in found} == {"Sparse"} and any(a.kind == "spike" for a in found)
        assert found.failed == {"Broken": "RuntimeError: injected failure for Broken"}
        assert {a.id for a in load_alerts(store)} == {a.id for a in found}  # the others' alerts are stored
        assert "alert detection failed for brand 'Broken'" in caplog.text
    finally:
        store.close()


@pytest.mark.parametrize("command", [["detect", "--no-send"], ["run", "--no-progress", "--no-report"]])
def test_a_failed_brand_shows_in_the_summary_and_the_exit_status(tmp_path, monkeypatch, command):
    _fail_for(monkeypatch, "Broken")
    config = _config(tmp_path, BrandConfig(name="Broken", query="broken"), BrandConfig(name="Sparse", query="sparse"))
    _store(config, sparse_history("Broken") + sparse_history("Sparse")).close()
    (tmp_path / "groundswell.yaml").write_text(
        "brands:\n  - {name: Broken, query: broken}\n  - {name: Sparse, query: sparse}\n"
        f"store: {{type: sqlite, path: {tmp_path / 'gs.db'}}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, [*command, "-c", str(tmp_path / "groundswell.yaml"), "--history"])
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert list(summary["detect_errors"]) == ["Broken"]
    assert {a["brand"] for a in summary["alerts"]} == {"Sparse"}
    assert "alert detection failed for 1 brand(s): Broken" in result.stderr
