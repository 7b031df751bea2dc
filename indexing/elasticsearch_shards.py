"""One check for every read answer of the Elasticsearch store: all of the index answered, or a clear error.

Elasticsearch answers a search or count that failed on some shards with HTTP 200, the hits and counts of the
shards that did answer, and `_shards.failed` > 0; when every shard failed it answers 400/5xx. A shard fails when a
monthly index is closed or its shard is unassigned (red), or when a query is too broad for it: a prefix inside a
phrase or NEAR (`span_multi`), a Hangul term or a `word~xx` stem is expanded to every indexed word starting with
it, and past `indices.query.bool.max_clause_count` such words in one monthly index the shard refuses the query.
Either way a number from the shards that answered is wrong (12,000 matches counted as 0), so none is returned:

- `QueryTooBroad` (a `ValueError`: the user narrows the query; the dashboard answers 400),
- `StoreUnavailable` for any other failed shard (the cluster is to fix; the dashboard answers 503).

This module imports no client: the dashboard imports `QueryTooBroad` from it to map it to an HTTP answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from indexing.base import StoreUnavailable

# How a shard says "too many words": Lucene's TooManyClauses / TooManyNestedClauses, which Elasticsearch reports
# with these types or only in the reason text (span_multi's rewrite: a status_exception "exceeds maxClauseCount").
_TOO_MANY = ("too_many_clauses", "too_many_nested_clauses", "maxclausecount", "too many clauses",
             "too many nested clauses")


class QueryTooBroad(ValueError):
    """A search whose prefix (or Hangul word, or `word~xx` stem) matches more distinct words than the cluster
    expands in one query; the message says which index refused it and how to narrow the query."""


def _reasons(reason: Any) -> list[str]:
    """A failure's reason and every nested `caused_by` as 'type: reason' strings."""
    out: list[str] = []
    while isinstance(reason, dict):
        out.append(f"{reason.get('type', '')}: {reason.get('reason', '')}")
        reason = reason.get("caused_by")
    if isinstance(reason, str):
        out.append(reason)
    return out


def _too_many(texts: list[str]) -> bool:
    joined = " ".join(texts).lower()
    return any(needle in joined for needle in _TOO_MANY)


def _error(failures: list[dict[str, Any]], what: str, failed: int, total: int | None) -> Exception:
    """The error for these shard failures: too broad if any shard refused the query as too broad."""
    first = failures[0] if failures else {}
    shard = first.get("shard")
    where = f"index {first.get('index', '?')}" + (f" shard {shard}" if shard is not None else "")
    texts = [t for f in failures for t in _reasons(f.get("reason"))]
    reason = texts[0] if texts else "no reason given"
    if _too_many(texts):
        return QueryTooBroad(
            f"this query is too broad for Elasticsearch: a prefix (word*), a Hangul word or a word~xx form in it "
            f"matches too many different words in {where} ({reason}); narrow it: a longer prefix, or the whole "
            "word, or the prefix outside a phrase or NEAR (alone it has no such limit)")
    of = f"{failed} of {total}" if total is not None else str(failed)
    return StoreUnavailable(
        f"Elasticsearch could not {what} on every shard, so no answer is given from part of the index only "
        f"({of} shard(s) failed; first: {where}: {reason}): an index is closed or a shard is unavailable. Check "
        "GET _cluster/health and GET _cat/indices, open or restore the index, and try again")


def check_shards(body: dict[str, Any], what: str) -> dict[str, Any]:
    """`body` (a search or count answer) when every shard answered; else raise `QueryTooBroad` or
    `StoreUnavailable` naming the first failed index and shard and why."""
    shards = body.get("_shards") or {}
    if shards.get("failed"):
        raise _error(shards.get("failures") or [], what, shards["failed"], shards.get("total"))
    return body


def shard_error(exc: Exception, what: str) -> Exception | None:
    """For a request that failed as a whole (HTTP 4xx/5xx): the same error as `check_shards`, when its body
    says shards failed (every shard failed: `search_phase_execution_exception`), a query was too broad, or an
    index of the alias is closed; None for any other error (raised as it is)."""
    if getattr(exc, "status_code", None) == 404:  # an expired point in time: its callers fall back to the alias
        return None
    body = getattr(exc, "body", None)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    failed = error.get("failed_shards") or []
    causes = error.get("root_cause") or []
    texts = [t for c in [error, *causes] for t in _reasons(c)]
    if failed:
        return _error(failed, what, len(failed), None)
    if _too_many(texts):
        return _error([{"reason": error}], what, 1, None)
    if error.get("type") == "search_phase_execution_exception":  # no shard named (a point in time on a red index)
        return _error([{"reason": error}], what, 1, None)
    if any(c.get("type") == "index_closed_exception" for c in [error, *causes] if isinstance(c, dict)):
        index = error.get("index") or next((c.get("index") for c in causes if isinstance(c, dict)), "?")
        return _error([{"index": index, "reason": error}], what, 1, None)
    return None


def checked(call: Callable[[], Any], what: str) -> dict[str, Any]:
    """Run one read request (`call` returns the client's response) and return its body, every shard answered;
    else `QueryTooBroad` / `StoreUnavailable` (`check_shards`, `shard_error`)."""
    try:
        body = call().body
    except Exception as exc:
        mapped = shard_error(exc, what)
        if mapped is None:
            raise
        raise mapped from None
    return check_shards(body, what)
