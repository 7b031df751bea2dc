"""Elasticsearch's VACUUM: merge away the segments that still hold deleted documents.

A delete in Elasticsearch only marks the document deleted; its text stays in the Lucene segment files on disk until
a merge rewrites that segment, which the background merge policy does when it sees fit (never, for a quiet index).
After retention deleted a post, its text, author and id were still readable in the data folder (`grep -rac <id>`
over the node's data). `expunge_deletes` runs `_forcemerge?only_expunge_deletes=true` on the indices that hold
deleted documents, so each segment with a delete is rewritten without it.

Elasticsearch keeps a deleted document a merge could drop while a retention lease still covers it (soft deletes,
kept for replicas to catch up from). Each shard's own lease moves past the deletes only after a flush has put them
in a safe commit and the lease is next renewed (every 30 s by default), so `expunge_deletes` flushes first and waits
(at most `LEASE_WAIT_S`) until every lease retains nothing up to the last operation before the flush; without that
the merge kept every deleted post of a retention run that had just finished (325 on the test's store).

`only_expunge_deletes` merges only segments whose deleted share is above `index.merge.policy.expunge_deletes_allowed`
(10% by default): a segment with one deleted post among thousands would keep it. The setting is lowered to 0 for
the merge and put back afterwards (to what the index had, or the default).

I/O heavy: a merge rewrites every segment it touches (up to the whole index) and competes with searches and writes,
so `groundswell maintain` belongs in off-hours (the maintenance DAG runs at 03:15 UTC). Each index is merged with
a bounded wait (`timeout_s`); a merge still running then goes on inside Elasticsearch (it cannot be cancelled), is
reported as `still_merging`, and the next run merges what is left.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from elastic_transport import ConnectionTimeout

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

log = logging.getLogger(__name__)
ALLOWED = "index.merge.policy.expunge_deletes_allowed"
DEFAULT_TIMEOUT_S = 1800.0  # per index: a month of a busy brand's posts is rewritten in minutes, not hours
LEASE_WAIT_S = 120.0  # the leases are renewed every 30 s (`index.soft_deletes.retention_lease.sync_interval`)
LEASE_POLL_S = 1.0


def deleted_docs(client: Elasticsearch, indices: list[str]) -> dict[str, int]:
    """Deleted documents still on disk per index (all shard copies), for the indices that exist."""
    # 404 (an index gone meanwhile): nothing to merge there; the stats API takes no `ignore_unavailable`.
    res = client.options(ignore_status=404).indices.stats(index=",".join(indices), metric="docs")
    stats = res.body.get("indices", {}) if res.meta.status == 200 else {}
    return {name: int(s.get("total", {}).get("docs", {}).get("deleted", 0)) for name, s in stats.items()}


def expunge_deletes(client: Elasticsearch, indices: list[str], timeout_s: float = DEFAULT_TIMEOUT_S) -> dict[str, Any]:
    """Force-merge away the deleted documents of `indices` (names or patterns) that hold any; return what was done:
    `merged` (index -> deleted documents before), `still_merging` (indices whose merge outlived `timeout_s`) and
    `deleted_left` (deleted documents the indices report afterwards; 0 when all went)."""
    before = {name: n for name, n in deleted_docs(client, indices).items() if n}
    if before:
        _wait_for_leases(client, sorted(before))
    still: list[str] = []
    for name in sorted(before):
        kept = client.indices.get_settings(index=name, name=ALLOWED, flat_settings=True).body
        previous = kept.get(name, {}).get("settings", {}).get(ALLOWED)
        client.indices.put_settings(index=name, settings={ALLOWED: 0})
        try:
            client.options(request_timeout=timeout_s).indices.forcemerge(
                index=name, only_expunge_deletes=True, wait_for_completion=True)
        except ConnectionTimeout:
            still.append(name)
            log.warning("vacuum: the merge of %s outlived %.0f s; Elasticsearch finishes it in the background, the "
                        "next `groundswell maintain` merges what is left", name, timeout_s)
        finally:  # the index's own merge policy again (None: the default)
            client.indices.put_settings(index=name, settings={ALLOWED: previous})
    left = sum(deleted_docs(client, sorted(before)).values()) if before else 0
    return {"merged": before, "still_merging": still, "deleted_left": left}


def _wait_for_leases(client: Elasticsearch, indices: list[str], wait_s: float = LEASE_WAIT_S) -> bool:
    """Flush `indices`, then wait until every shard copy's retention leases retain no operation up to the flush (so
    a merge may drop what was deleted before it). False when `wait_s` passed first: the merge then runs anyway and
    what the leases still hold stays for the next run (`deleted_left`)."""
    names = ",".join(indices)
    client.indices.flush(index=names)
    flushed = _shards(client, names)
    deadline = time.monotonic() + wait_s
    while True:
        now = _shards(client, names)
        if all(now.get(key, (-1, 0))[1] > max_seq for key, (max_seq, _) in flushed.items()):
            return True
        if time.monotonic() >= deadline:
            log.warning("vacuum: retention leases of %s still hold deleted documents after %.0f s; merging anyway, "
                        "the next `groundswell maintain` merges what they kept", names, wait_s)
            return False
        time.sleep(LEASE_POLL_S)


def _shards(client: Elasticsearch, names: str) -> dict[tuple[str, str, int], tuple[int, int]]:
    """Per shard copy (index, shard, copy): its highest sequence number and the lowest one its leases retain."""
    body = client.indices.stats(
        index=names, level="shards",
        filter_path="indices.*.shards.*.seq_no.max_seq_no,indices.*.shards.*.retention_leases.leases.retaining_seq_no",
    ).body
    out: dict[tuple[str, str, int], tuple[int, int]] = {}
    for name, index in body.get("indices", {}).items():
        for shard, copies in index.get("shards", {}).items():
            for n, copy in enumerate(copies):
                leases = copy.get("retention_leases", {}).get("leases", [])
                retained = min((int(lease["retaining_seq_no"]) for lease in leases), default=1 << 62)
                out[(name, shard, n)] = (int(copy.get("seq_no", {}).get("max_seq_no", -1)), retained)
    return out
