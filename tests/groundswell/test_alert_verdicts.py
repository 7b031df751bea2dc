"""People's verdicts on incidents (groundswell/alert_verdicts.py) on both stores through the same `Store` state:
given, replaced, undone one step back, the history kept with who and when; precision and backtest labels."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node per session)

from alerts.history import load_alerts, save_alerts
from core.alert import Alert
from groundswell.alert_verdicts import (
    HISTORY_PREFIX,
    MAX_NOTE_CHARS,
    VERDICT_PREFIX,
    VerdictError,
    backtest_labels,
    precision,
    set_verdict,
    undo_verdict,
    unjudged_rows,
    verdict_history,
    verdict_rows,
    verdicts,
)
from indexing.base import Store
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 5, 4, 9, tzinfo=UTC)


def _alert(brand: str, kind: str, hours: int, incident: str | None = None, **extra) -> Alert:
    start = T0 + timedelta(hours=hours)
    return Alert(brand=brand, kind=kind, severity="warning", window_start=start, window_end=start + timedelta(hours=1),
                 observed=12, expected=3.0, statistic="negbin", score=4.0, incident_id=incident, **extra)


def _history() -> list[Alert]:
    """Three incidents: Acme's crisis (a keyword alert opens it, a spike joins), Acme's lone influencer post
    two days later, and Globex's spike."""
    opener = _alert("Acme", "keyword", 0, subject="recall")
    spike = _alert("Acme", "spike", 1, incident=opener.id, episode_id="e1")
    lone = _alert("Acme", "influencer", 48, subject="x:1")
    globex = _alert("Globex", "spike", 5, episode_id="g1")
    return [opener, spike, lone, globex]


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def store(request, tmp_path) -> Iterator[Store]:
    """An empty store of each kind, with the alert history saved the way detection saves it."""
    if request.param == "sqlite":
        opened: Store = SqliteStore(tmp_path / "g.db")
        save_alerts(opened, _history())
        yield opened
        opened.close()
        return
    from indexing.elasticsearch import ElasticsearchStore

    opened = ElasticsearchStore(request.getfixturevalue("es_url"), index_prefix=f"gs-verdict-{uuid.uuid4().hex[:8]}")
    save_alerts(opened, _history())
    yield opened
    delete_prefix(opened.client, opened.prefix)
    opened.close()


def test_a_verdict_is_given_replaced_undone_and_its_history_kept(store: Store):
    alerts = load_alerts(store)
    crisis = _history()[0].id
    change = set_verdict(store, alerts, crisis, "ack", by="alice", now=T0 + timedelta(hours=2))
    assert change.changed and change.replaced is None
    assert verdicts(store)[crisis] | {} == {
        "verdict": "ack", "by": "alice", "at": (T0 + timedelta(hours=2)).isoformat(), "brand": "Acme",
        "start": T0.isoformat(), "end": (T0 + timedelta(hours=2)).isoformat(), "kinds": ["keyword", "spike"],
    }
    # the same verdict by the same person again changes nothing, nor writes any history
    assert set_verdict(store, alerts, crisis, "ack", by="alice", now=T0 + timedelta(hours=3)).changed is False
    assert verdict_history(store) == {}

    later = T0 + timedelta(hours=6)
    change = set_verdict(store, alerts, crisis, "real", by="bob", now=later, note="  battery recall, on the news ")
    assert change.replaced["verdict"] == "ack" and change.verdict["note"] == "battery recall, on the news"
    assert verdicts(store)[crisis]["verdict"] == "real" and verdicts(store)[crisis]["by"] == "bob"
    (replaced,) = verdict_history(store)[crisis]
    assert (replaced["verdict"], replaced["by"], replaced["replaced_with"], replaced["undone_by"]) == (
        "ack", "alice", "real", "bob")

    # an undo is one step back: alice's "ack" is current again, bob's "real" kept with who undid it
    undone = undo_verdict(store, alerts, crisis, by="carol", now=later + timedelta(minutes=1))
    assert undone.changed and undone.verdict["verdict"] == "ack" and undone.verdict["by"] == "alice"
    assert verdicts(store)[crisis]["verdict"] == "ack"
    assert [(e["verdict"], e["undone_by"], e.get("undone", False)) for e in verdict_history(store)[crisis]] == [
        ("ack", "bob", False), ("real", "carol", True)]
    # a second undo clears it; a third has nothing to undo
    assert undo_verdict(store, alerts, crisis, by="carol", now=later + timedelta(minutes=2)).verdict is None
    assert verdicts(store) == {} and store.get_state(VERDICT_PREFIX + crisis) is None
    assert undo_verdict(store, alerts, crisis, by="carol", now=later).changed is False
    assert len(verdict_history(store)[crisis]) == 3
    assert set(store.state_items(HISTORY_PREFIX)) == {HISTORY_PREFIX + crisis}


def test_nothing_is_stored_for_a_bad_verdict(store: Store):
    alerts = load_alerts(store)
    crisis = _history()[0].id
    cases = [
        ("nope", "real", None, "incident"),
        (_history()[1].id, "real", None, "incident"),  # an alert of the incident that it did not open
        (crisis, "crisis", None, "verdict"),
        (crisis, "real", "x" * (MAX_NOTE_CHARS + 1), "note"),
        (crisis, "real", 5, "note"),
    ]
    for incident, verdict, note, param in cases:
        with pytest.raises(VerdictError) as raised:
            set_verdict(store, alerts, incident, verdict, by="alice", now=T0, note=note)
        assert raised.value.param == param and str(raised.value)
    with pytest.raises(VerdictError):
        undo_verdict(store, alerts, "nope", by="alice", now=T0)
    assert store.state_items("alert-verdict") == {}


def test_precision_per_brand_and_kind_and_the_labels_a_backtest_reads(store: Store):
    alerts = load_alerts(store)
    crisis, _, lone, globex = (a.id for a in _history())
    set_verdict(store, alerts, crisis, "real", by="alice", now=T0)
    set_verdict(store, alerts, lone, "false_alarm", by="alice", now=T0, note="a parody account")
    set_verdict(store, alerts, globex, "ack", by="bob", now=T0)
    rows = verdict_rows(verdicts(store), alerts)
    assert [r["incident"] for r in rows] == [crisis, globex, lone]  # oldest first
    assert all(r["stored"] for r in rows)
    figures = precision(rows)
    assert (figures["real"], figures["false_alarm"], figures["precision"], figures["ack"]) == (1, 1, 0.5, 1)
    assert figures["by_brand"] == {"Acme": {"real": 1, "false_alarm": 1, "precision": 0.5}}
    assert figures["by_kind"] == {
        "influencer": {"real": 0, "false_alarm": 1, "precision": 0.0},
        "keyword": {"real": 1, "false_alarm": 0, "precision": 1.0},
        "spike": {"real": 1, "false_alarm": 0, "precision": 1.0},
    }
    assert backtest_labels(rows) == [{"brand": "Acme", "start": T0.isoformat(),
                                      "end": (T0 + timedelta(hours=2)).isoformat(), "incident": crisis}]
    assert unjudged_rows(verdicts(store), alerts) == []
    # retention drops the alerts: the verdict still says what it judged
    gone = verdict_rows(verdicts(store), [])
    assert [(r["incident"], r["stored"], r["brand"], r["kinds"]) for r in gone][0] == (
        crisis, False, "Acme", ["keyword", "spike"])
    assert backtest_labels(gone) == backtest_labels(rows)
