"""Migration step "per-brand themes": map the theme fields on indices from before them and fill `theme_keys` on
their themed documents (indexing/elasticsearch_themes.py says what the fields hold and how old data counts)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from indexing.elasticsearch_mapping import index_pattern
from indexing.elasticsearch_migrate import _rewrite, about
from indexing.elasticsearch_themes import MAIN_THEMES, THEME_KEYS, THEME_MAPPING
from indexing.theme_rows import UNATTRIBUTED, theme_key

if TYPE_CHECKING:
    from indexing.elasticsearch import ElasticsearchStore

log = logging.getLogger(__name__)
_OPTS = {"ignore_unavailable": True, "allow_no_indices": True}
# Themed documents written before `theme_keys`.
MISSING = {"bool": {"filter": [{"exists": {"field": "themes"}}], "must_not": [{"exists": {"field": THEME_KEYS}}]}}


def add_theme_fields(store: ElasticsearchStore) -> int:
    """Map the theme fields and fill `theme_keys` (unattributed) on documents from before them; return how
    many were filled. Idempotent, run on every open: once done, one mapping call and one count."""
    client, pattern = store.client, index_pattern(store.prefix)
    client.indices.put_mapping(index=pattern, properties=THEME_MAPPING, **_OPTS)
    missing = client.count(index=pattern, query=MISSING, **_OPTS).body["count"]
    if not missing:
        return 0
    log.warning("filling %s on %d mentions themed before per-brand themes (once, about %s)", THEME_KEYS, missing,
                about(missing))
    # Conditional: the scan reads a point-in-time snapshot, and the fill of 1M documents runs for minutes. A
    # new-version themes pass (another process) that wrote a document's `brand_themes`, attributed `theme_keys`
    # and `main_themes` meanwhile made the snapshot stale: a plain update put unattributed keys and an empty
    # `main_themes` over them, and nothing corrected that. Such a document is left as it is (a version
    # conflict: someone wrote it), counted neither filled nor failed.
    filled, failed = _rewrite(store, MISSING, _fill, page=1000, source=["themes"], conditional=True)
    if failed:  # not fatal: those posts count their themes for no brand until the next open retries
        log.error("%d mentions could not get %s; the next open of the store tries again", failed, THEME_KEYS)
    return filled


def _fill(hit: dict[str, Any]) -> dict[str, Any]:
    themes = (hit.get("_source") or {}).get("themes") or []
    return {"_op_type": "update", "_index": hit["_index"], "_id": hit["_id"],
            "doc": {THEME_KEYS: [theme_key(UNATTRIBUTED, t) for t in themes], MAIN_THEMES: []}}
