"""Open search contexts left by one-page searches on the Elasticsearch store (docs/elasticsearch.md, "Paging").

    python bench/es_open_contexts.py --es-url http://127.0.0.1:9200 [--calls 40] [--months 2]

Writes 100 posts a month into a fresh index prefix, then runs `--calls` searches of one page of 3 with more
results behind it (as a theme card's sample posts or Explore's first page), and prints the node's open search
contexts before and after; the prefix is deleted at the end. Each point in time holds one context per index.
"""

from __future__ import annotations

import argparse
import uuid
from datetime import UTC, datetime, timedelta

from core.mention import Mention
from indexing.base import Filters
from indexing.elasticsearch import ElasticsearchStore


def open_contexts(store: ElasticsearchStore) -> int:
    """Open search contexts over the cluster's nodes (points in time and scrolls)."""
    nodes = store.client.nodes.stats(metric="indices", index_metric="search").body["nodes"].values()
    return sum(n["indices"]["search"]["open_contexts"] for n in nodes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--es-url", required=True)
    ap.add_argument("--calls", type=int, default=40)
    ap.add_argument("--months", type=int, default=2)
    args = ap.parse_args()
    store = ElasticsearchStore(args.es_url, index_prefix=f"gs-bench-pit-{uuid.uuid4().hex[:8]}")
    try:
        start = datetime(2025, 1, 5, tzinfo=UTC)
        posts = [Mention(source="x", native_id=f"{m}-{i}", text="Lumora battery", brands=["Lumora"],
                         created_at=start + timedelta(days=31 * m, minutes=i))
                 for m in range(args.months) for i in range(100)]
        assert all(r.ok for r in store.upsert(posts))
        before = open_contexts(store)
        for _ in range(args.calls):
            store.search(Filters(brand="Lumora"), size=3, sort="engagement")
        print(f"{args.calls} one-page searches over {args.months + 1} indices: open search contexts "
              f"{before} -> {open_contexts(store)}")
    finally:
        names = list(store.client.indices.get(index=f"{store.prefix}-*").body)  # by name: no wildcard deletes
        store.client.indices.delete(index=",".join(names))
        store.close()


if __name__ == "__main__":
    main()
