"""Alerts as documents, for Kibana: the index `<prefix>-alerts`, one document per alert, `_id` = the alert's id.

The alert log in the store's state (`alerts.history.AlertLog`: ``alert:<id>`` keys, each an alert's JSON) stays
the source of truth; Kibana can neither chart nor filter a JSON string, so the Elasticsearch store also keeps
this copy of every logged alert (`ElasticsearchStore.index_alerts`). `groundswell/pipeline.py` writes it after
the log is saved (`detect`), writes what the log holds and this index lacks (alerts from before this index, a
`groundswell store copy`, a write that failed last run), and drops from it what retention drops from the log
(`maintain`). Re-writing an alert overwrites its document by id: re-running detection never duplicates one.

Writes go through `indexing.elasticsearch_bulk.write_all` (explicit retries with backoff on 429/503 and lost
connections); every alert gets one `WriteResult`, failures included, for the caller to report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.alert import Alert, decided_at
from core.time import as_utc
from indexing.base import WriteResult
from indexing.elasticsearch_bulk import BulkPolicy, delete_all, is_conflict, write_all

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

_KEYWORD = {"type": "keyword", "ignore_above": 1024}
_DOUBLE = {"type": "double"}
_STORED_ONLY = {"type": "keyword", "index": False, "doc_values": False}
PAGE = 1000
log = logging.getLogger(__name__)

# Explicit and strict, as the mentions' template: a field nobody planned for is an error, not a surprise.
ALERTS_MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": _KEYWORD,
        "incident": _KEYWORD,  # alerts.incidents.incident_key: the incident card it belongs to
        "brand": _KEYWORD,
        "kind": _KEYWORD,
        "subject": _KEYWORD,
        "severity": _KEYWORD,
        "source": _KEYWORD,
        "lang": _KEYWORD,
        "detector": _KEYWORD,
        "statistic": _KEYWORD,
        "window_start": {"type": "date"},
        "window_end": {"type": "date"},
        "decided_at": {"type": "date"},  # core.alert.decided_at: when it was decided (the window's end if not stored)
        "observed": _DOUBLE,
        "expected": _DOUBLE,
        "total": {"type": "long"},
        "score": _DOUBLE,
        "p_value": _DOUBLE,
        "negative_share": _DOUBLE,
        "expected_share": _DOUBLE,
        "summary": {"type": "text"},
        "key_phrases": _KEYWORD,
        "top_terms": _KEYWORD,
        "top_themes": _KEYWORD,
        "link": _STORED_ONLY,  # shown in Discover, never searched
    },
}
ALERTS_SETTINGS = {"number_of_shards": 1, "auto_expand_replicas": "0-1"}


def alerts_index(prefix: str) -> str:
    return f"{prefix}-alerts"


def alert_document(alert: Alert, incident: str) -> dict[str, Any]:
    """The document of one alert: the mapped fields only (`incident`: its incident's id)."""
    return {
        "id": alert.id,
        "incident": incident,
        "brand": alert.brand,
        "kind": alert.kind,
        "subject": alert.subject,
        "severity": alert.severity,
        "source": alert.source,
        "lang": alert.lang,
        "detector": alert.detector,
        "statistic": alert.statistic,
        "window_start": as_utc(alert.window_start).isoformat(),
        "window_end": as_utc(alert.window_end).isoformat(),
        "decided_at": as_utc(decided_at(alert)).isoformat(),
        "observed": alert.observed,
        "expected": alert.expected,
        "total": alert.total,
        "score": alert.score,
        "p_value": alert.p_value,
        "negative_share": alert.negative_share,
        "expected_share": alert.expected_share,
        "summary": alert.summary,
        "key_phrases": alert.key_phrases,
        "top_terms": alert.top_terms,
        "top_themes": alert.top_themes,
        "link": alert.link,
    }


def ensure_alerts_index(client: Elasticsearch, index: str) -> None:
    """Create the alerts index (one shard, a replica where a second node exists); on an existing one, add the
    fields this version maps (adding a field needs no reindex). Idempotent: runs on every store open."""
    if not client.indices.exists(index=index):
        # 400: another process created it between our check and our create.
        client.options(ignore_status=400).indices.create(index=index, settings=ALERTS_SETTINGS,
                                                         mappings=ALERTS_MAPPINGS)
    else:
        client.indices.put_mapping(index=index, properties=ALERTS_MAPPINGS["properties"])


# Documents an older release wrote, before `decided_at` was mapped: Kibana's alerts data view is keyed on it
# (dashboards/kibana), and hides a document without its time field.
NO_DECIDED_AT = {"bool": {"must_not": [{"exists": {"field": "decided_at"}}]}}


def backfill_decided_at(client: Elasticsearch, index: str, policy: BulkPolicy, page: int = PAGE) -> int:
    """Give every alert document without `decided_at` the time it had then: its window's end (`core.alert.decided_at`
    of an alert logged before `Alert.decided_at` was recorded; the release that mapped the field also began recording
    it). Return how many were filled. Runs on every open: once done it costs one count. Partial updates, each only
    if the document is still as read (a detection that rewrote it meanwhile wrote the right time, and is kept); a
    failure leaves the rest for the next open, which finds exactly what is still missing.

    (A search and bulk updates, not `_update_by_query`: that lives in the `reindex` module, which some clusters and
    the integ-test-zip lack; see `delete_alerts_before`.)"""
    if not client.count(index=index, query=NO_DECIDED_AT).body["count"]:
        return 0
    filled, failed = 0, 0
    after: list[Any] | None = None
    while True:
        extra = {"search_after": after} if after else {}
        hits = client.search(index=index, query=NO_DECIDED_AT, sort=[{"id": "asc"}], size=page,
                             source=["window_end"], seq_no_primary_term=True, track_total_hits=False,
                             **extra).body["hits"]["hits"]
        actions = [{"_op_type": "update", "_index": index, "_id": hit["_id"],
                    "if_seq_no": hit["_seq_no"], "if_primary_term": hit["_primary_term"],
                    "doc": {"decided_at": hit["_source"]["window_end"]}}
                   for hit in hits if (hit.get("_source") or {}).get("window_end")]
        for result in write_all(client, actions, policy):
            filled += result.ok
            failed += not result.ok and not is_conflict(result)
        if len(hits) < page:
            break
        after = hits[-1]["sort"]
    client.indices.refresh(index=index)
    log.warning("gave %d alert document(s) written before decided_at was mapped their decided_at (the window's "
                "end), so Kibana's alerts views show them%s", filled,
                f"; {failed} failed, the next open tries again" if failed else "")
    return filled


def write_alerts(
    client: Elasticsearch, index: str, alerts: Iterable[Alert], incident: Callable[[Alert], str], policy: BulkPolicy
) -> Iterator[WriteResult]:
    """Index alerts by id (the last of a repeated id wins); yield one result per alert, failures included. Kibana
    sees them after the index's refresh interval (1 s); `indexed_alert_ids` refreshes before it lists."""
    actions = {
        alert.id: {"_op_type": "index", "_index": index, "_id": alert.id,
                   "_source": alert_document(alert, incident(alert))}
        for alert in alerts
    }
    return write_all(client, list(actions.values()), policy)


def indexed_alert_ids(client: Elasticsearch, index: str) -> set[str]:
    """The id of every alert document (paged by id with search_after)."""
    return set(_ids(client, index, {"match_all": {}}))


def delete_alerts_before(client: Elasticsearch, index: str, cutoff: datetime, policy: BulkPolicy) -> int:
    """Delete the alerts whose window ended before `cutoff` (the alert log's retention rule, `AlertLog.prune`);
    return how many went. A delete the cluster refuses raises `StoreUnavailable`: the next `maintain` tries again.

    (Found by a search and deleted by id: `_delete_by_query` lives in the `reindex` module, which the
    integ-test-zip lacks; see `ElasticsearchStore.delete_older_than`.)"""
    ids = _ids(client, index, {"range": {"window_end": {"lt": as_utc(cutoff).isoformat()}}})
    return delete_all(client, index, ids, policy, "alert document(s)")


def _ids(client: Elasticsearch, index: str, query: dict[str, Any]) -> list[str]:
    client.indices.refresh(index=index)  # see what a write just made
    out: list[str] = []
    after: list[Any] | None = None
    while True:
        extra = {"search_after": after} if after else {}
        hits = client.search(index=index, query=query, sort=[{"id": "asc"}], size=PAGE, source=False,
                             track_total_hits=False, **extra).body["hits"]["hits"]
        out.extend(hit["_id"] for hit in hits)
        if len(hits) < PAGE:
            return out
        after = hits[-1]["sort"]
