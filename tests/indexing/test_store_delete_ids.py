"""`Store.delete_ids` (erasure by id) on both stores, and `groundswell subject forget` on Elasticsearch: the posts
leave every read (search, counts, facets, themes) and every month they live in, the rest stays, and the alerts
index Kibana reads is redacted with the alert log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.explain import summarize
from alerts.history import AlertLog
from alerts.influencer import post_of
from core.alert import Alert
from core.mention import Author, Mention
from groundswell.subject import Subject
from groundswell.subject_forget import forget
from indexing.base import ENRICHED, Filters
from indexing.elasticsearch_alerts import alerts_index
from indexing.sqlite import SqliteStore

MARCH = datetime(2025, 3, 10, 12, tzinfo=UTC)
APRIL = MARCH + timedelta(days=30)


def _post(nid: str, handle: str, text: str, at: datetime) -> Mention:
    return Mention(source="x", native_id=nid, text=text, created_at=at, brands=["Acme"], themes=["blenders"],
                   author=Author(handle=handle, followers=80_000), url=f"https://x.example/{handle}/{nid}")


POSTS = [
    _post("1", "ann_quill", "Acme blender exploded, dangerous", MARCH),
    _post("2", "ann_quill", "Acme blender exploded again in April", APRIL),
    _post("3", "bob_b", "Acme blender works fine", MARCH),
]


def _check_deleted(store) -> None:
    assert store.delete_ids(["x:1", "x:2", "x:404"]) == 2  # an id not stored is no error
    assert store.get(["x:1", "x:2"]) == [] and [m.id for m in store.get(["x:3"])] == ["x:3"]
    assert store.count(Filters(text="exploded")) == 0 and store.count(Filters()) == 1
    assert store.facet(Filters(), "brand") == {"Acme": 1}
    assert [t.count for t in store.top_themes(Filters(brand="Acme"))] == [1]
    assert [a.handle for a in store.top_authors(Filters(), n=5)] == ["bob_b"]
    assert store.delete_ids(["x:1"]) == 0  # again: nothing left
    # A step's write from an older read (re-enrich, themes) never puts an erased post back.
    assert all(r.ok for r in store.upsert([POSTS[0]], fields=ENRICHED)) and store.get(["x:1"]) == []


def test_sqlite_delete_ids_removes_the_posts_from_every_table(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in store.upsert(POSTS))
    _check_deleted(store)
    conn = store._conn()  # the side tables, which no read names directly: no row points at a deleted mention
    for table in ("mention_brands", "mention_themes"):
        orphans = conn.execute(f"SELECT count(*) FROM {table} WHERE mention_rowid NOT IN "
                               "(SELECT rowid FROM mentions)").fetchone()[0]
        assert orphans == 0, table
    assert conn.execute("SELECT count(*) FROM mentions_fts WHERE mentions_fts MATCH 'exploded'").fetchone()[0] == 0


@pytest.mark.elasticsearch
def test_elasticsearch_delete_ids_across_months(es_store):
    assert all(r.ok for r in es_store.upsert(POSTS))
    _check_deleted(es_store)


@pytest.mark.elasticsearch
def test_forget_on_elasticsearch_redacts_the_alerts_index(es_store):
    assert all(r.ok for r in es_store.upsert(POSTS))
    alert = Alert(kind="influencer", brand="Acme", severity="critical", window_start=MARCH, window_end=MARCH
                  + timedelta(hours=1), observed=80_000.0, expected=50_000.0, statistic="followers", score=3.0,
                  top_posts=[post_of(POSTS[0]), post_of(POSTS[2])], subject="x:1", detector="influencer")
    alert.summary = summarize(alert)
    AlertLog(es_store).save([alert])
    assert all(r.ok for r in es_store.index_alerts([alert], lambda a: a.id))

    report = forget(es_store, Subject(authors=frozenset({("x", "ann_quill")})), None)

    assert report.mentions == 2 and report.state["alert"] == 1 and report.alert_index == 1 and report.compacted
    index = alerts_index(es_store.prefix)
    es_store.client.indices.refresh(index=index)
    doc = es_store.client.get(index=index, id=alert.id).body["_source"]
    assert "ann_quill" not in str(doc) and "exploded" not in doc["summary"] and doc["subject"] == "[removed]"
    for needle in ("ann_quill", "exploded"):
        hits = es_store.client.search(index=index, query={"query_string": {"query": needle}}).body["hits"]["total"]
        assert hits["value"] == 0
    assert [p.id for p in AlertLog(es_store).load()[0].top_posts] == ["x:3"]
    assert es_store.state_items("forgotten:") and es_store.count(Filters()) == 1
