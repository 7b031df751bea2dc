"""Migration step "language tags" of the Elasticsearch store: documents whose `lang` an older version stored as the
source wrote it (`ko-KR`, `KO`, `zh-Hant`) get its base code (`ko`, `zh`; core/lang_tags.py), on open.

Without it the `lang=` filter (a term on the normalised code) missed them while the `lang:` query (which normalises
each document's tag) found them, and the language facet listed `ko-KR` beside `ko`. Run on every open
(`ElasticsearchStore.setup`) and idempotent: one terms aggregation over `lang` finds the spellings to rewrite
(none once done), then a conditional partial update per document (`_rewrite`; a node may lack the reindex module,
so no update-by-query), which leaves one a newer writer changed meanwhile as that writer wrote it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from core.lang_tags import lang_tag
from indexing.elasticsearch_mapping import index_pattern
from indexing.elasticsearch_migrate import _rewrite, about

if TYPE_CHECKING:
    from indexing.elasticsearch import ElasticsearchStore

log = logging.getLogger(__name__)
_OPTS = {"ignore_unavailable": True, "allow_no_indices": True}
# More distinct tags than any store holds (a few dozen languages, each in a few spellings).
MAX_TAGS = 10_000


def normalise_lang_tags(store: ElasticsearchStore, page: int = 1000) -> int:
    """Rewrite every stored language tag that is not its base code; return how many documents changed."""
    client, pattern = store.client, index_pattern(store.prefix)
    found = client.search(index=pattern, size=0, aggs={"tags": {"terms": {"field": "lang", "size": MAX_TAGS}}},
                          **_OPTS).body
    buckets = (found.get("aggregations") or {}).get("tags", {}).get("buckets", [])
    stale = {b["key"]: b["doc_count"] for b in buckets if lang_tag(b["key"]) != b["key"]}
    if not stale:
        return 0
    total = sum(stale.values())
    log.warning("rewriting the language tag of %d mentions stored as the source wrote it (%s; once, about %s)",
                total, ", ".join(sorted(stale)), about(total))
    done, failed = _rewrite(store, {"terms": {"lang": sorted(stale)}}, _relabel, page, source=["lang"],
                            conditional=True)
    if failed:  # not fatal: those posts keep the tag as written (`lang:` still finds them); the next open retries
        log.error("%d mentions could not get their base language code; the next open tries again", failed)
    return done


def _relabel(hit: dict[str, Any]) -> dict[str, Any]:
    tag = (hit.get("_source") or {}).get("lang")
    return {"_op_type": "update", "_index": hit["_index"], "_id": hit["_id"], "doc": {"lang": lang_tag(tag)}}
