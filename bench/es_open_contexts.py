"""Open search contexts left by one-page searches on the Elasticsearch store (docs/elasticsearch.md, "Reads").

    python bench/es_open_contexts.py --es-url http://127.0.0.1:9200 [--calls 40] [--months 2]

Writes 100 posts a month into a fresh index prefix, then runs `--calls` searches of one page of 3 with more
results behind it, four ways, and prints the node's open search contexts before and after each: engagement-sorted
with `page_on=False` (a theme card's sample posts, a digest's notable posts: nothing kept open); engagement-sorted
and paged to the last page (which closes its point in time); page ones of newest-first searches that may be paged
(a time order pages without a point in time); page ones of engagement-sorted searches that may be paged and never
are (Explore's first page: a point in time, held SEARCH_KEEP_ALIVE). The prefix is deleted at the end. Each point in
time holds one context per index.
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

        def run(label: str, page_on: bool, to_the_end: bool = False, sort: str = "engagement") -> None:
            before = open_contexts(store)
            for _ in range(args.calls):
                page = store.search(Filters(brand="Lumora"), size=3, sort=sort, page_on=page_on)  # type: ignore[arg-type]
                while to_the_end and page.next_cursor:
                    page = store.search(Filters(brand="Lumora"), size=100, sort=sort,  # type: ignore[arg-type]
                                        cursor=page.next_cursor)
            print(f"{args.calls} {label} over {args.months + 1} indices: open search contexts "
                  f"{before} -> {open_contexts(store)}")

        run("one-page searches (page_on=False)", page_on=False)
        run("paged searches read to their last page", page_on=True, to_the_end=True)
        run("page ones of newest-first paged searches (no point in time: a time order never changes)", True,
            sort="newest")
        run("page ones of paged searches, never paged on", page_on=True)
    finally:
        names = list(store.client.indices.get(index=f"{store.prefix}-*").body)  # by name: no wildcard deletes
        store.client.indices.delete(index=",".join(names))
        store.close()


if __name__ == "__main__":
    main()
