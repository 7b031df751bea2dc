"""`maintain` prunes each use of the state table by its own rule, and keeps what is still current."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from alerts.deliver import DeliveryLedger, sent_key
from alerts.history import load_alerts, save_alerts
from core.alert import Alert
from core.mention import Author, Mention, Sentiment
from extractors.state import CursorState
from groundswell.cli import cli
from groundswell.config import parse_config
from groundswell.copies import CopyIndex
from groundswell.pipeline import maintain
from groundswell.sentiment_corrections import correct_sentiment, corrections, undo_corrections, undone_corrections
from groundswell.spam import mark_not_spam, overrides, undo_not_spam, withdrawn_overrides
from indexing.base import Filters
from indexing.sqlite import SqliteStore

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)  # with 30 days' retention the cutoff is 2026-10-31 12:00
OLD = datetime(2026, 9, 1, tzinfo=UTC)
FRESH = datetime(2026, 11, 20, tzinfo=UTC)


def _mention(nid: str, when: datetime) -> Mention:
    return Mention(
        source="rss", native_id=nid, text=f"Lumora story {nid}", url=f"https://news.example.com/{nid}",
        brand="Lumora", author=Author(handle="a"), created_at=when,
        sentiment=Sentiment(label="neutral", probs={"neutral": 0.9}, model="m@1"),
    )


def _alert(when: datetime) -> Alert:
    return Alert(
        brand="Lumora", window_start=when, window_end=when.replace(hour=1), observed=30, expected=3,
        statistic="poisson", score=9.0,
    )


def _sent(store: SqliteStore, alert: Alert, when: datetime | str) -> None:
    """A ledger entry as `DeliveryLedger.record` writes it, sent at a chosen time."""
    sent_at = when.isoformat() if isinstance(when, datetime) else when
    store.set_state(sent_key("slack", alert.id), json.dumps({"sent_at": sent_at, "kind": alert.kind}))


def test_maintain_prunes_each_facades_stale_entries_and_keeps_fresh_ones(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    config = parse_config({"brands": [{"name": "Lumora", "query": "lumora"}]})
    old, fresh = _mention("1", OLD), _mention("2", FRESH)
    list(store.upsert([old, fresh]))
    CopyIndex(store).remember([old, fresh])
    old_alert, fresh_alert = _alert(OLD), _alert(FRESH)
    save_alerts(store, [old_alert, fresh_alert])
    _sent(store, old_alert, OLD)
    _sent(store, fresh_alert, FRESH)
    store.set_state(sent_key("email", old_alert.id), "not json")  # unreadable: kept, nothing lost
    for month in ("2026-09", "2026-10", "2026-11"):
        store.set_state(f"budget:x:{month}", "150")
    CursorState(store).set("rss", "Lumora", '{"https://news.example.com/feed":"2026-09-01T00:00:00+00:00"}')
    mark_not_spam(store, [old.id, fresh.id], by="analyst", now=NOW)
    correct_sentiment(store, {old.id: "negative", fresh.id: "positive"}, by="analyst", now=NOW)
    withdrawn = _mention("3", OLD)  # a correction and a "not spam" withdrawn: their history goes with the mention
    list(store.upsert([withdrawn]))
    correct_sentiment(store, {withdrawn.id: "negative"}, by="analyst", now=NOW)
    undo_corrections(store, [withdrawn.id], by="lead", now=NOW)
    mark_not_spam(store, [withdrawn.id, fresh.id], by="analyst", now=NOW)
    undo_not_spam(store, [withdrawn.id, fresh.id], by="lead", now=NOW)
    mark_not_spam(store, [fresh.id], by="analyst", now=NOW)

    result = maintain(config, store, now=NOW, retention_days=30)

    assert result["deleted"] == 2
    # copy_index: the old post's URL, text and story-head keys (groundswell/copies.py)
    assert result["state_pruned"] == {"copy_index": 3, "shares": 0, "expired_claims": 0, "alert_log": 1,
                                      "delivery_ledger": 1, "read_budgets": 1, "not_spam_overrides": 2,
                                      "sentiment_corrections": 2, "alert_verdicts": 0, "health": 0,
                                      "alert_mutes": 0}
    assert set(undone_corrections(store)) == set() and set(withdrawn_overrides(store)) == {fresh.id}
    assert overrides(store) == {fresh.id} and set(corrections(store)) == {fresh.id}  # the living mention's
    assert set(store.state_items("copy:").values()) == {fresh.id}  # its url and text keys
    assert [a.id for a in load_alerts(store)] == [fresh_alert.id]
    assert store.get_state("alert:" + old_alert.id) is None
    assert not DeliveryLedger(store).was_sent("slack", old_alert)
    assert DeliveryLedger(store).was_sent("slack", fresh_alert)
    assert store.get_state(sent_key("email", old_alert.id)) == "not json"
    assert sorted(store.state_items("budget:")) == ["budget:x:2026-10", "budget:x:2026-11"]
    assert CursorState(store).get("rss", "Lumora") is not None  # cursors have no retention

    again = maintain(config, store, now=NOW, retention_days=30)  # idempotent: nothing more to prune
    assert again["deleted"] == 0 and set(again["state_pruned"].values()) == {0}


def test_without_retention_alert_log_and_ledger_are_kept(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    config = parse_config({"brands": [{"name": "Lumora", "query": "lumora"}]})
    old_alert = _alert(OLD)
    save_alerts(store, [old_alert])
    _sent(store, old_alert, OLD)
    # A crashed run's delivery claim (expired) and a live run's: without retention the expired one still goes,
    # or every crash would leave a key for good.
    assert store.claim("claim:alert:slack:crashed", "run-1", NOW - timedelta(minutes=1))
    assert store.claim("claim:alert:slack:live", "run-2", NOW + timedelta(hours=1))

    result = maintain(config, store, now=NOW)

    assert result["retention_days"] is None
    assert result["state_pruned"]["alert_log"] == 0 and result["state_pruned"]["delivery_ledger"] == 0
    assert result["state_pruned"]["expired_claims"] == 1
    assert sorted(store.state_items("claim:")) == ["claim:alert:slack:live"]
    assert [a.id for a in load_alerts(store)] == [old_alert.id]
    assert DeliveryLedger(store).was_sent("slack", old_alert)


@pytest.mark.parametrize("days", [-1, 0, 36_501])
def test_a_retention_override_out_of_the_configs_bounds_deletes_nothing(tmp_path, days):
    # -1 put the cutoff a day ahead of now (every mention went); 0 silently meant "the config's".
    store = SqliteStore(tmp_path / "g.db")
    config = parse_config({"brands": [{"name": "Lumora", "query": "lumora"}], "store": {"retention_days": 30}})
    list(store.upsert([_mention("1", FRESH), _mention("2", OLD)]))

    with pytest.raises(ValueError, match="retention_days must be between 1 and 36500"):
        maintain(config, store, now=NOW, retention_days=days)
    assert store.count(Filters()) == 2

    result = CliRunner().invoke(cli, ["maintain", "-c", str(_config_file(tmp_path)), "--retention-days", str(days)])
    assert result.exit_code == 2 and "--retention-days" in result.output
    assert SqliteStore(tmp_path / "g.db").count(Filters()) == 2


def _config_file(tmp_path) -> Path:
    path = tmp_path / "groundswell.yaml"
    path.write_text(f"brands: [{{name: Lumora, query: lumora}}]\nstore: {{path: {tmp_path / 'g.db'}}}\n")
    return path
