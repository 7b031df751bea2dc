"""`groundswell brands rename` on both stores: the mentions' brands, the query each matched and their per-brand themes
move to the new name (the SQLite side tables and Elasticsearch's theme keys with them, so every read by brand
follows), a post naming both names keeps one; the alert log, the ledger and verdicts move to the alerts' new ids, a
verdict NEW already had stays and OLD's is kept in that incident's history (a merge); Elasticsearch's alert documents
(Kibana's copy) move too. Before, nothing re-keyed any of it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_config import write_config

from alerts.deliver import sent_key
from alerts.history import AlertLog
from alerts.incidents import incident_key
from core.alert import Alert
from core.mention import Mention, Sentiment
from groundswell.alert_verdicts import set_verdict, verdict_history, verdicts
from groundswell.brand_rename import rename
from groundswell.config import load_config
from indexing.base import Filters
from indexing.sqlite import SqliteStore

OLD, NEW, OTHER = "Acme", "Acme Corp", "Zenith"
MARCH = datetime(2025, 3, 10, 12, tzinfo=UTC)
NEG = Sentiment(label="negative", probs={"negative": 0.9}, model="test")


def _post(nid: str, at: datetime, brands: list[str], matches: dict[str, str], themes: dict[str, list[str]],
          spam: str | None = None) -> Mention:
    labels = [t for ts in themes.values() for t in ts]
    return Mention(source="x", native_id=nid, text=f"acme chargers post {nid}", created_at=at, brands=brands,
                   matches=matches, brand_themes=themes, themes=labels, sentiment=NEG, lang="en", spam=spam)


POSTS = [
    _post("1", MARCH, [OLD], {OLD: "acme"}, {OLD: ["chargers"]}),
    _post("2", MARCH, [OLD, NEW], {OLD: "acme", NEW: "acme corp"}, {OLD: ["old label"], NEW: ["new label"]}),
    _post("3", MARCH + timedelta(days=35), [OLD], {OLD: "acme"}, {}, spam="bot"),  # another month; spam
    _post("4", MARCH, [OTHER], {OTHER: "zenith"}, {OTHER: ["chargers"]}),
]


def _alert(brand: str, hour: int) -> Alert:
    return Alert(brand=brand, kind="spike", severity="critical", window_start=MARCH + timedelta(hours=hour),
                 window_end=MARCH + timedelta(hours=hour + 1), observed=9, expected=1, statistic="poisson", score=5.0)


def _filled(store) -> tuple[list[Alert], Alert]:
    """The posts; OLD's two alerts (one incident) and NEW's own alert of OLD's opener's window, each judged; a
    ledger entry and incident mark for OLD's alerts. Returns (OLD's alerts, NEW's)."""
    assert all(r.ok for r in store.upsert(POSTS))
    opener, update = _alert(OLD, 0), _alert(OLD, 1)
    update.incident_id = opener.incident_id = opener.id
    theirs = _alert(NEW, 0)
    AlertLog(store).save([opener, update, theirs])
    for alert in (opener, update):
        store.set_state(sent_key("ops", alert.id), json.dumps({"sent_at": MARCH.isoformat(), "kind": "spike"}))
    store.set_state(sent_key("ops", f"incident:{opener.id}"), json.dumps({"sent_at": MARCH.isoformat(),
                                                                          "thread": opener.id}))
    alerts = [opener, update, theirs]
    set_verdict(store, alerts, opener.id, "false_alarm", by="ana", now=MARCH + timedelta(days=1), note="old name")
    set_verdict(store, alerts, theirs.id, "real", by="bo", now=MARCH + timedelta(days=2))
    return [opener, update], theirs


def _config(tmp_path: Path):
    return load_config(write_config(tmp_path, brands=[{"name": NEW, "query": "acme"},
                                                      {"name": OTHER, "query": "zenith"}]))


def _check(store, tmp_path: Path) -> None:
    (opener, update), theirs = _filled(store)
    report = rename(store, _config(tmp_path), OLD, NEW)

    assert report.merged and report.counts["mentions"] == 3 and report.counts["alerts"] == 2
    assert report.counts["ledger entries"] == 3 and report.counts["verdicts"] == 1
    everything = Filters(include_spam=True)
    assert store.count(Filters(brand=OLD, include_spam=True)) == 0
    assert store.count(Filters(brand=NEW, include_spam=True)) == 3
    assert store.facet(everything, "brand") == {NEW: 3, OTHER: 1}
    by_id = {m.native_id: m for m in store.get([p.id for p in POSTS])}
    assert by_id["2"].brands == [NEW] and by_id["2"].matches == {NEW: "acme corp"}  # NEW's own reason stays
    assert by_id["2"].brand_themes == {NEW: ["new label"]}
    assert (by_id["1"].matches, by_id["1"].brand_themes) == ({NEW: "acme"}, {NEW: ["chargers"]})
    assert by_id["3"].spam == "bot" and by_id["4"] == POSTS[3]  # its flag kept; another brand's post untouched
    themes = {t.theme: t.count for t in store.top_themes(Filters(brand=NEW), n=5)}  # per-brand theme rows
    assert themes["chargers"] == 1 and themes["new label"] == 1  # OTHER's "chargers" is not NEW's
    assert store.top_themes(Filters(brand=OLD), n=5) == []
    assert [h.mention.native_id for h in store.search(Filters(brand=NEW, text="chargers", include_spam=True),
                                                      sort="oldest").hits] == ["1", "2", "3"]

    logged = {a.id: a for a in AlertLog(store).load()}
    moved_opener = Alert.model_validate({**opener.model_dump(), "id": "", "brand": NEW})
    assert moved_opener.id == theirs.id  # the same window under NEW: NEW's own alert, kept
    moved_update = Alert.model_validate({**update.model_dump(), "id": "", "brand": NEW})
    assert set(logged) == {theirs.id, moved_update.id} and logged[moved_update.id].incident_id == theirs.id
    assert all(a.brand == NEW for a in logged.values())
    for alert in (moved_opener, moved_update):
        assert store.get_state(sent_key("ops", alert.id)) is not None  # sent under OLD: sent under NEW
    mark = json.loads(store.get_state(sent_key("ops", f"incident:{theirs.id}")))
    assert mark["thread"] == theirs.id
    assert not store.state_items(sent_key("ops", opener.id)) and not store.state_items(sent_key("ops", update.id))
    current = verdicts(store)
    assert set(current) == {theirs.id} and current[theirs.id]["verdict"] == "real"  # NEW's verdict stays
    (kept,) = verdict_history(store)[theirs.id]  # OLD's, replaced by it, in the incident's history
    assert (kept["verdict"], kept["by"], kept["note"], kept["brand"], kept["replaced_with"]) == (
        "false_alarm", "ana", "old name", NEW, "real")

    again = rename(store, _config(tmp_path), OLD, NEW)
    assert again.renamed == 0 and again.result().startswith("nothing left to rename")


def test_sqlite_rename_moves_every_row_of_the_brand(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    try:
        _check(store, tmp_path)
        conn = store._conn()  # the side tables the reads by brand go through
        for table in ("mention_brands", "mention_themes"):
            assert conn.execute(f"SELECT count(*) FROM {table} WHERE brand = ?", (OLD,)).fetchone()[0] == 0
    finally:
        store.close()


@pytest.mark.elasticsearch
def test_elasticsearch_rename_moves_the_mentions_in_every_month_and_the_alert_documents(es_store, tmp_path):
    olds = [_alert(OLD, 0), _alert(OLD, 1)]  # Kibana's copy of OLD's alerts, as `detect` writes it
    assert all(r.ok for r in es_store.index_alerts(olds, incident_key))
    _check(es_store, tmp_path)
    indexed = es_store.indexed_alert_ids()
    assert not indexed & {a.id for a in olds}  # the old documents are gone ...
    assert {a.id for a in AlertLog(es_store).load()} <= indexed  # ... and the renamed alerts are there
