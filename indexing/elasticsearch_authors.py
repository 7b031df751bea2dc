"""Top authors on Elasticsearch, exact, without reading every author of the period.

The ranking is the SQLite store's `GROUP BY handle, source ORDER BY engagement DESC, mentions DESC, handle`.
A `terms` aggregation ranked by a sum is not exact across shards (it merges each shard's own top list), and
reading every (handle, source) pair with `composite` is (`ElasticsearchStore._composite`), but costs a page of
10,000 pairs a round trip: most of a 30-day overview's time on a large store.

So first a threshold test (Fagin's TA, in two requests):

1. Per monthly index (one shard each, `terms` on `_index`), its `PER_INDEX` handles of most engagement, exact
   within the index. A handle missing from an index's full list has at most that list's last sum there, so a
   handle on no list has at most the sum of those last sums (`bound`) in the whole period.
2. The candidates (every handle listed) counted exactly: `terms` with `include` the candidates, every pair.

Every pair's engagement is at most its handle's (engagement is never negative: `core.mention.Engagement`; the
first request checks the minimum all the same). When the n-th candidate pair has more than `bound`, no other
pair can be in the top n: the answer is exact. Otherwise (a flat distribution, an index with several shards,
a negative sum) the composite read answers, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from indexing.base import AuthorStat
from indexing.elasticsearch_mapping import OWN_ENGAGEMENT_FIELD

PER_INDEX = 200  # handles listed per index: enough for the top 10 on a heavy-tailed period, few buckets
_SORT_KEY = "eng"

# A post's own engagement (`elasticsearch_mapping.OWN_ENGAGEMENT_FIELD`, `core.mention.own_engagement`: 0 for a
# repost), the sum SQLite's top_authors ranks by: every author sum here and in `ElasticsearchStore.top_authors`.
OWN_ENGAGEMENT: dict[str, Any] = {"field": OWN_ENGAGEMENT_FIELD}


def _ranked(stats: Iterable[AuthorStat], n: int) -> list[AuthorStat]:
    """The SQLite store's order: engagement, then mentions (both descending), then handle; then source, the order
    the composite read lists a handle's pairs in (so ties come out as they did)."""
    return sorted(stats, key=lambda a: (-a.engagement, -a.mentions, a.handle, a.source))[:n]


def candidates(aggs: dict[str, Any], single_shard: Callable[[set[str]], bool]) -> tuple[list[str], float | None]:
    """From the first request's answer: the handles listed, and the most a handle on no list can have summed
    (None: every index listed all its handles, so nothing is unlisted). Raises LookupError when the test cannot
    be made (a negative engagement, an index of several shards)."""
    if (aggs.get("min_eng", {}).get("value") or 0) < 0:
        raise LookupError("a negative engagement: sums are no bound")
    indices = aggs.get("ix", {}).get("buckets", [])
    if indices and not single_shard({b["key"] for b in indices}):
        raise LookupError("an index of several shards: its list is not exact")
    handles: dict[str, None] = {}
    bound = 0.0
    complete = True
    for index in indices:
        listed = index["h"]["buckets"]
        handles.update((b["key"], None) for b in listed)
        if index["h"].get("sum_other_doc_count", 0) > 0:  # this index has handles its list leaves out
            complete = False
            bound += max(0.0, listed[-1][_SORT_KEY]["value"] or 0.0) if listed else 0.0
    return list(handles), (None if complete else bound)


def first_request() -> dict[str, Any]:
    """Aggregations of step 1: per index, the handles of most engagement; and the least engagement summed."""
    by_handle = {
        "terms": {"field": "author.handle", "size": PER_INDEX, "order": [{_SORT_KEY: "desc"}, {"_key": "asc"}]},
        "aggs": {_SORT_KEY: {"sum": OWN_ENGAGEMENT}},
    }
    return {
        "ix": {"terms": {"field": "_index", "size": 10_000}, "aggs": {"h": by_handle}},
        "min_eng": {"min": OWN_ENGAGEMENT},
    }


def second_request(handles: list[str]) -> dict[str, Any]:
    """Aggregations of step 2: every (handle, source) pair of these handles, counted exactly (`include` and a
    size that holds them all: each shard returns every one it has)."""
    return {
        "h": {
            "terms": {"field": "author.handle", "include": handles, "size": len(handles)},
            "aggs": {
                "src": {
                    "terms": {"field": "source", "size": 1000},
                    "aggs": {"eng": {"sum": OWN_ENGAGEMENT},
                             "fol": {"max": {"field": "author.followers"}}},
                }
            },
        }
    }


def pairs(aggs: dict[str, Any]) -> list[AuthorStat]:
    """The pairs of the second request's answer."""
    return [
        AuthorStat(handle=h["key"], source=s["key"], mentions=s["doc_count"],
                   engagement=int(s["eng"]["value"] or 0), followers=int(s["fol"]["value"] or 0))
        for h in aggs.get("h", {}).get("buckets", [])
        for s in h["src"]["buckets"]
    ]


def top_authors(run: Callable[[dict[str, Any]], dict[str, Any]], single_shard: Callable[[set[str]], bool],
                n: int) -> list[AuthorStat] | None:
    """The top `n` pairs when the threshold test proves them exact, else None (the caller reads every pair).
    `run`: the aggregations' answer for the caller's filters."""
    if n < 1:
        return None
    try:
        handles, bound = candidates(run(first_request()), single_shard)
    except LookupError:
        return None
    if not handles:
        return []
    ranked = _ranked(pairs(run(second_request(handles))), n)
    if bound is None or (len(ranked) == n and ranked[-1].engagement > bound):
        return ranked
    return None
