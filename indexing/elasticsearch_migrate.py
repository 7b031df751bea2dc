"""Bring mention indices written by an older Groundswell up to the current layout, in place.

Two steps, both run on every open (`ElasticsearchStore.setup`) and idempotent:
`add_search_field` (below) and `move_brand_to_brands` (multi-brand mentions, at the end).

The search field (`elasticsearch_mapping.SEARCH_FIELD`: accent-insensitive search, `#tag`/`@handle`
tokens) came after the first indices were made, and its name changes with the search document's
format (`core.query.document.VERSION`), so an index written with an older format lacks it too.
Adding a field to an existing index needs neither a close nor a reindex: the field goes into every
mentions index's mapping, then documents that lack it get it by partial `update`s, computed by the
same `search_document` new writes use. Runs on every open (`ElasticsearchStore.setup`); once done it
costs one mapping call and one count.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from core.mention import own_engagement
from core.query import search_document
from indexing import reader_format
from indexing.elasticsearch_bulk import is_conflict, write_all
from indexing.elasticsearch_mapping import (
    BRANDS_MAPPING,
    INTENT_FIELD,
    OWN_ENGAGEMENT_FIELD,
    REPLY_FIELD,
    REPLY_FIELD_MAPPING,
    SEARCH_FIELD,
    SEARCH_FIELD_MAPPING,
    SPAM_FIELD,
    from_document,
    index_pattern,
    to_document,
)

if TYPE_CHECKING:
    from indexing.elasticsearch import ElasticsearchStore

log = logging.getLogger(__name__)

_OPTS = {"ignore_unavailable": True, "allow_no_indices": True}
# Documents a partial-update rewrite fills per second, for the estimate the migration logs: the figure of
# `bench/store_upgrade.py --es` (bench/results/store_upgrade.json: text_folded_v4, the slower step, 200k in 169 s
# at load average 14), rounded down, on a loaded 2-core machine.
REWRITE_PER_S = 1100
PROGRESS_EVERY = 100_000  # documents between two progress lines of a long rewrite
READER_META = "reader_format"  # the state index's mapping `_meta` entry `check_reader_format` reads
MISSING = {"bool": {"must_not": [{"exists": {"field": SEARCH_FIELD}}]}}


def add_search_field(store: ElasticsearchStore, page: int = 1000) -> int:
    """Map and fill the search field wherever it is missing; return how many documents were filled."""
    client, pattern = store.client, index_pattern(store.prefix)
    client.indices.put_mapping(index=pattern, properties={SEARCH_FIELD: SEARCH_FIELD_MAPPING}, **_OPTS)
    missing = client.count(index=pattern, query=MISSING, **_OPTS).body["count"]
    if not missing:
        return 0
    log.warning("filling %s on %d mentions written before the current search document format (once, about %s; "
                "text search misses them until then)", SEARCH_FIELD, missing, about(missing))
    filled, failed = _rewrite(store, MISSING, _update, page, source=["text"])
    if failed:
        # Not fatal: those documents are still stored, only not found by text search; the next open retries.
        log.error("%d mentions could not get %s; the next open of the store tries again", failed, SEARCH_FIELD)
    return filled


def about(documents: int) -> str:
    """Roughly how long rewriting `documents` takes ("3 min"), from the measured `REWRITE_PER_S`."""
    seconds = documents / REWRITE_PER_S
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _rewrite(
    store: ElasticsearchStore,
    query: dict[str, Any],
    action: Callable[[dict[str, Any]], dict[str, Any]],
    page: int,
    source: Any = True,
    conditional: bool = False,
) -> tuple[int, int]:
    """Write `action(hit)` for every document `query` finds, `page` bulk actions at a time, then refresh;
    return (written, failed). The one batched rewrite every migration step uses. `conditional`: each write
    only if the document is as the scan read it (`if_seq_no`/`if_primary_term`); one another writer changed
    since is left as it is (its write is newer than the snapshot the action came from), neither written nor
    failed."""
    done, failed = 0, 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal done, failed
        results = list(write_all(store.bulk_client, batch, store.bulk))
        ok = sum(r.ok for r in results)
        skipped = sum(is_conflict(r) for r in results) if conditional else 0
        done, failed = done + ok, failed + len(batch) - ok - skipped
        batch.clear()
        if done // PROGRESS_EVERY != (done - ok) // PROGRESS_EVERY:  # a long rewrite shows it is moving
            log.info("%d mentions rewritten so far", done)

    for hit in store._scan(query, [{"id": "asc"}], page, source=source, seq_no=conditional):
        written = action(hit)
        if conditional:
            written.update(if_seq_no=hit["_seq_no"], if_primary_term=hit["_primary_term"])
        batch.append(written)
        if len(batch) >= page:
            flush()
    if batch:
        flush()
    store._refresh()
    return done, failed


def _whole_document(hit: dict[str, Any]) -> dict[str, Any]:
    """The document rewritten whole in today's layout: a partial update could add `brands` but not
    remove `brand`."""
    doc = to_document(from_document(hit["_source"]))
    return {"_op_type": "index", "_index": hit["_index"], "_id": hit["_id"], "_source": doc}


def _update(hit: dict[str, Any]) -> dict[str, Any]:
    text = (hit.get("_source") or {}).get("text") or ""
    return {
        "_op_type": "update",
        "_index": hit["_index"],
        "_id": hit["_id"],
        "doc": {SEARCH_FIELD: search_document(text)},
    }


def add_own_engagement(store: ElasticsearchStore, page: int = 1000) -> int:
    """Map and fill `own_engagement` (what top authors sum) on documents written before it; return how many
    were filled. Until filled, a document is left out of top authors' sums (counted, with 0)."""
    client, pattern = store.client, index_pattern(store.prefix)
    client.indices.put_mapping(index=pattern, properties={OWN_ENGAGEMENT_FIELD: {"type": "long"}}, **_OPTS)
    missing_query = {"bool": {"must_not": [{"exists": {"field": OWN_ENGAGEMENT_FIELD}}]}}
    missing = client.count(index=pattern, query=missing_query, **_OPTS).body["count"]
    if not missing:
        return 0
    log.warning("filling %s on %d mentions written before it (once, about %s)", OWN_ENGAGEMENT_FIELD, missing,
                about(missing))

    def fill(hit: dict[str, Any]) -> dict[str, Any]:
        src = hit.get("_source") or {}
        own = own_engagement(src.get("text"), (src.get("extra") or {}).get("repost_of"),
                             int((src.get("engagement") or {}).get("total") or 0))
        return {"_op_type": "update", "_index": hit["_index"], "_id": hit["_id"], "doc": {OWN_ENGAGEMENT_FIELD: own}}

    filled, failed = _rewrite(store, missing_query, fill, page, source=["text", "extra", "engagement"])
    if failed:
        log.error("%d mentions could not get %s; the next open of the store tries again", failed, OWN_ENGAGEMENT_FIELD)
    return filled


def add_reply_field(store: ElasticsearchStore) -> None:
    """Map `reply_to` on indices made before replies were collected (mappings are strict, so a mention
    with it would be refused there). Documents without it need nothing: a missing field reads as None."""
    pattern = index_pattern(store.prefix)
    store.client.indices.put_mapping(index=pattern, properties={REPLY_FIELD: REPLY_FIELD_MAPPING}, **_OPTS)


# A blank spam reason ("", spaces) is no flag (`core.mention.spam_reason`), but `exists` matches it: documents an
# older version stored with one (an import's empty `spam` column) would be out of every count while reading back as
# not spam. The keyword terms made only of the characters `str.strip()` strips (none is special in a Lucene class).
_SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())  # every one Python knows is below U+3001
BLANK_SPAM = {"regexp": {SPAM_FIELD: {"value": f"[{_SPACES}]*"}}}


def add_spam_field(store: ElasticsearchStore, page: int = 1000) -> int:
    """Migration step "spam flags": map `spam` on indices made before the spam detector (nlp/spam.py), and
    clear the blank reasons an older version stored (`BLANK_SPAM`); return how many were cleared.

    A document without the field is not spam, which is what it was. Once done it costs one count per open."""
    client, pattern = store.client, index_pattern(store.prefix)
    client.indices.put_mapping(index=pattern, properties={SPAM_FIELD: {"type": "keyword"}}, **_OPTS)
    blank = client.count(index=pattern, query=BLANK_SPAM, **_OPTS).body["count"]
    if not blank:
        return 0
    log.warning("clearing the blank spam reason of %d mentions (not spam; once, about %s)", blank, about(blank))
    # Conditional: a flag the spam step wrote since the scan read the document is newer, and kept.
    cleared, failed = _rewrite(store, BLANK_SPAM, _clear_spam, page, source=False, conditional=True)
    if failed:
        log.error("%d mentions kept a blank spam reason; the next open of the store tries again", failed)
    return cleared


def _clear_spam(hit: dict[str, Any]) -> dict[str, Any]:
    return {"_op_type": "update", "_index": hit["_index"], "_id": hit["_id"], "doc": {SPAM_FIELD: None}}


def add_intent_field(store: ElasticsearchStore) -> None:
    """Migration step "intent tags": map `intent` on indices made before nlp/intents.py (mappings are
    strict, so a tagged mention would be refused there). Nothing to fill: a missing field reads as None."""
    store.client.indices.put_mapping(
        index=index_pattern(store.prefix), properties={INTENT_FIELD: {"type": "keyword"}}, **_OPTS
    )


# Documents written before multi-brand mentions: they still have the single `brand` (or its `query`).
LEGACY_BRAND = {"bool": {"should": [{"exists": {"field": "brand"}}, {"exists": {"field": "query"}}]}}


def move_brand_to_brands(store: ElasticsearchStore, page: int = 1000) -> int:
    """Map `brands`/`matches` and rewrite every document that still has `brand`/`query` in the new
    layout (`brand: X` -> `brands: [X]`, read by `Mention`'s legacy rule, the one reader of old records);
    return how many were rewritten. Which other brands a post names is `groundswell store migrate`'s
    job: it needs the configured queries, which the store does not know."""
    client, pattern = store.client, index_pattern(store.prefix)
    client.indices.put_mapping(index=pattern, properties=BRANDS_MAPPING, **_OPTS)
    missing = client.count(index=pattern, query=LEGACY_BRAND, **_OPTS).body["count"]
    if not missing:
        return 0
    log.warning("moving brand to brands on %d mentions written before multi-brand mentions (once, about %s)",
                missing, about(missing))
    moved, failed = _rewrite(store, LEGACY_BRAND, _whole_document, page)
    if failed:
        # Not fatal: those documents still read as their one brand; the next open retries.
        log.error("%d mentions could not be moved to brands; the next open of the store tries again", failed)
    return moved


def check_reader_format(store: ElasticsearchStore) -> int | None:
    """Refuse a store whose state index records (mapping `_meta.reader_format`) a reader format newer than this
    version reads (`indexing.reader_format`), before `setup` writes anything (a template, a mapping, a rewrite)."""
    found = store.client.options(ignore_status=404).indices.get_mapping(index=store.state_index).body
    meta = next(iter(found.values()), {}).get("mappings", {}).get("_meta", {}) if isinstance(found, dict) else {}
    recorded = reader_format.parse(meta.get(READER_META)) if isinstance(meta, dict) else None
    reader_format.check(f"the Elasticsearch store {store.prefix}", recorded)
    return recorded


def record_reader_format(store: ElasticsearchStore, recorded: int | None) -> None:
    """Record this version's reader format on the state index (where `recorded`, what `check_reader_format` read,
    is lower; a higher one was refused, never lowered): `setup` does it before its first migration step."""
    if recorded is not None and recorded >= reader_format.READER_FORMAT:
        return
    store.client.indices.put_mapping(index=store.state_index, meta={READER_META: reader_format.READER_FORMAT})
