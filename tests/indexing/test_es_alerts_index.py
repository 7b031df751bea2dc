"""Alerts as documents for Kibana on a real node: `<prefix>-alerts` mirrors the alert log.

Detection writes one document per alert (by id: a re-run duplicates nothing), an alert the log holds and the
index lacks (logged before the index existed, or a write that failed) is written on the next run, retention
drops the same alerts from both, and a failed write loses no alert and says so. The failing writes are the real
client's `bulk` and `search` answering as an overloaded or unreachable node would (a healthy node cannot be made
to on cue); every other call goes to the node.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from test_elasticsearch import FAST, _api_error

from alerts.history import load_alerts, save_alerts
from alerts.incidents import incident_key
from core.alert import Alert
from core.mention import Author, Mention, Sentiment
from groundswell import pipeline
from groundswell.config import BrandConfig, Config
from indexing.config import ElasticsearchStoreConfig
from indexing.elasticsearch import ElasticsearchStore
from indexing.elasticsearch_alerts import ALERTS_MAPPINGS

pytestmark = pytest.mark.elasticsearch
DAY0 = datetime(2026, 3, 2, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)  # with 30 days' retention the cutoff is 2026-10-31 12:00


def _mention(n: int, at: datetime, label: str, text: str) -> Mention:
    return Mention(source="import", native_id=f"acme-{n}", text=text, created_at=at, author=Author(handle=f"user{n}"),
                   brand="Acme", lang="en", sentiment=Sentiment(label=label, probs={label: 0.9}, model="test"))


def _crisis() -> list[Mention]:
    """Two quiet days, then 150 negative posts about a recall in one hour: a keyword alert (and a spike)."""
    quiet = [_mention(i, DAY0 + timedelta(hours=i), "neutral", "acme is fine") for i in range(48)]
    burst = [_mention(1000 + i, DAY0 + timedelta(hours=50, seconds=20 * i), "negative", "acme recall now")
             for i in range(150)]
    return quiet + burst


def _config(index_prefix: str, brand: str = "Acme") -> Config:
    return Config(brands=[BrandConfig(name=brand, query=brand.lower(), crisis_terms=["recall"])],
                  store=ElasticsearchStoreConfig(type="elasticsearch", url="http://unused", index_prefix=index_prefix))


def _alert(when: datetime, brand: str = "Lumora") -> Alert:
    return Alert(brand=brand, window_start=when, window_end=when + timedelta(hours=1), observed=30, expected=3,
                 statistic="poisson", score=9.0, summary=f"{brand} spiked", top_terms=["outage"])


def _docs(store: ElasticsearchStore) -> dict[str, dict]:
    store.client.indices.refresh(index=store.alerts_index)
    hits = store.client.search(index=store.alerts_index, size=1000).body["hits"]["hits"]
    return {h["_id"]: h["_source"] for h in hits}


def test_detect_indexes_each_alert_once_with_its_fields(es_store):
    assert all(r.ok for r in es_store.upsert(_crisis()))
    config = _config(es_store.prefix)

    found = pipeline.detect(config, es_store)

    assert found.index_errors == []
    assert {a.kind for a in found} >= {"keyword"}
    docs = _docs(es_store)
    assert set(docs) == {a.id for a in found} == {a.id for a in load_alerts(es_store)}
    keyword = next(a for a in found if a.kind == "keyword")
    doc = docs[keyword.id]
    assert doc["brand"] == "Acme" and doc["kind"] == "keyword" and doc["subject"] == "recall"
    assert doc["severity"] == keyword.severity and doc["summary"] == keyword.summary and doc["summary"]
    assert doc["observed"] == 150 and doc["expected"] == keyword.expected and doc["score"] == keyword.score
    assert doc["p_value"] == keyword.p_value and doc["total"] == keyword.total
    assert doc["negative_share"] == keyword.negative_share and doc["expected_share"] == keyword.expected_share
    assert doc["key_phrases"] == keyword.key_phrases and doc["top_terms"] == keyword.top_terms
    assert doc["incident"] == incident_key(keyword) and doc["link"] == keyword.link
    assert datetime.fromisoformat(doc["window_start"]) == keyword.window_start
    assert datetime.fromisoformat(doc["window_end"]) == keyword.window_end
    # The index's own mapping is the explicit one: keywords to filter on, dates, numbers, the text summary.
    mapping = es_store.client.indices.get_mapping(index=es_store.alerts_index).body
    props = mapping[es_store.alerts_index]["mappings"]["properties"]
    assert props == json.loads(json.dumps(ALERTS_MAPPINGS["properties"]))
    assert (props["severity"]["type"], props["window_end"]["type"], props["summary"]["type"]) == (
        "keyword", "date", "text")
    assert props["link"]["index"] is False

    again = pipeline.detect(config, es_store)

    assert {a.id for a in again} == set(docs) and again.index_errors == []
    assert es_store.client.count(index=es_store.alerts_index).body["count"] == len(docs)


def test_alerts_logged_before_the_index_existed_are_written_by_the_next_detect(es_store):
    # What an older version, or `groundswell store copy` into this store, leaves: alerts in the log only.
    logged = [_alert(DAY0), _alert(DAY0 + timedelta(days=1))]
    save_alerts(es_store, logged)
    assert _docs(es_store) == {}

    found = pipeline.detect(_config(es_store.prefix, brand="Quiet"), es_store)  # nothing stored to alert on

    assert list(found) == [] and found.index_errors == []
    docs = _docs(es_store)
    assert set(docs) == {a.id for a in logged}
    assert {d["brand"] for d in docs.values()} == {"Lumora"} and docs[logged[0].id]["top_terms"] == ["outage"]


def test_maintain_with_retention_drops_old_alerts_from_the_log_and_the_index(es_store):
    old, fresh = _alert(datetime(2026, 9, 1, tzinfo=UTC)), _alert(datetime(2026, 11, 20, tzinfo=UTC))
    save_alerts(es_store, [old, fresh])
    assert pipeline.index_alerts(es_store, []) == (0, [])
    assert set(_docs(es_store)) == {old.id, fresh.id}

    result = pipeline.maintain(_config(es_store.prefix), es_store, now=NOW, retention_days=30)

    assert result["state_pruned"]["alert_log"] == 1 and result["alert_index_pruned"] == 1
    assert {a.id for a in load_alerts(es_store)} == {fresh.id}
    assert set(_docs(es_store)) == {fresh.id}
    again = pipeline.maintain(_config(es_store.prefix), es_store, now=NOW, retention_days=30)
    assert again["alert_index_pruned"] == 0
    without = pipeline.maintain(_config(es_store.prefix), es_store, now=NOW)  # no retention: keeps everything
    assert without["alert_index_pruned"] == 0 and set(_docs(es_store)) == {fresh.id}


def _failing_store(es_url: str, name: str, fail: dict[str, bool]) -> ElasticsearchStore:
    """A store on the real client whose bulk writes to the alerts index answer 503 while `fail["bulk"]`, and whose
    searches of it lose their connection while `fail["search"]`."""
    from elastic_transport import ConnectionError as TransportConnectionError
    from elasticsearch import Elasticsearch

    alerts = f'"_index":"{name}-alerts"'.encode()

    class Failing(Elasticsearch):
        def bulk(self, *args, **kwargs):
            if fail.get("bulk") and any(alerts in line for line in kwargs.get("operations", [])):
                raise _api_error(503)
            return super().bulk(*args, **kwargs)

        def search(self, *args, **kwargs):
            if fail.get("search") and kwargs.get("index") == f"{name}-alerts":
                raise TransportConnectionError("injected: connection refused")
            return super().search(*args, **kwargs)

    return ElasticsearchStore(index_prefix=name, client=Failing(es_url), bulk=FAST)


def test_a_failed_alert_index_write_keeps_the_alert_says_so_and_the_next_run_writes_it(es_url, prefix, caplog):  # noqa: F811
    fail = {"bulk": True}
    store = _failing_store(es_url, prefix, fail)
    try:
        assert all(r.ok for r in store.upsert(_crisis()))  # mentions are written: only the alerts index fails
        config = _config(prefix)

        with caplog.at_level(logging.ERROR, logger="groundswell.pipeline"):
            found = pipeline.detect(config, store)

        assert found and {a.id for a in load_alerts(store)} == {a.id for a in found}  # in the log all the same
        assert _docs(store) == {}
        assert len(found.index_errors) == len(found)
        assert found.index_failed == len(found)  # the count the alerts DAG returns
        for alert, error in zip(sorted(found, key=lambda a: a.id), sorted(found.index_errors), strict=True):
            assert error.startswith(f"alert {alert.id}: HTTP 503")
            assert f"alert {alert.id} was not written to the alert index" in caplog.text

        fail["bulk"] = False
        assert pipeline.detect(config, store).index_errors == []
        assert set(_docs(store)) == {a.id for a in found}
    finally:
        store.close()


def test_an_unreachable_alert_index_fails_the_copy_not_the_detection(es_url, prefix, caplog):  # noqa: F811
    fail = {"search": True}
    store = _failing_store(es_url, prefix, fail)
    try:
        assert all(r.ok for r in store.upsert(_crisis()))
        config = _config(prefix)

        found = pipeline.detect(config, store)

        assert found and {a.id for a in load_alerts(store)} == {a.id for a in found}
        (error,) = found.index_errors
        assert error.startswith("alert index: ConnectionError")
        assert "the alert index was not written" in caplog.text
        fail["search"] = False
        assert pipeline.detect(config, store).index_errors == []
        assert set(_docs(store)) == {a.id for a in found}
    finally:
        store.close()


@pytest.mark.slow
@pytest.mark.model  # the whole run: its themes step encodes the posts
def test_the_run_summary_names_what_the_alert_index_did_not_take(tmp_path, es_url, prefix):  # noqa: F811
    from groundswell.config import load_config

    (tmp_path / "in.jsonl").write_text("".join(m.model_dump_json() + "\n" for m in _crisis()), encoding="utf-8")
    (tmp_path / "groundswell.yaml").write_text(
        "brands:\n  - {name: Acme, query: acme, crisis_terms: [recall]}\n"
        f"sources:\n  - type: import\n    options: {{path: {tmp_path / 'in.jsonl'}}}\n"
        f"store: {{type: elasticsearch, url: '{es_url}', index_prefix: {prefix}}}\n",
        encoding="utf-8",
    )
    fail = {"bulk": True}
    store = _failing_store(es_url, prefix, fail)
    try:
        summary = pipeline.run_once(load_config(tmp_path / "groundswell.yaml"), store=store, write_report=False)
        json.dumps(summary)  # the summary the CLI prints

        fired = {a.id for a in load_alerts(store)}
        assert summary["alerts_fired"] == len(fired) > 0
        assert sorted(e.split(":")[0] for e in summary["alert_index_errors"]) == sorted(f"alert {i}" for i in fired)
        fail["bulk"] = False
        assert pipeline.run_once(load_config(tmp_path / "groundswell.yaml"), store=store,
                                 write_report=False)["alert_index_errors"] == []
        assert set(_docs(store)) == fired
    finally:
        store.close()
