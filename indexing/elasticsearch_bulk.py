"""Bulk writes that never lose a document silently.

`helpers.streaming_bulk` chunks the actions and, asked to, retries documents the
cluster rejected with 429/503 (whole request or per item) with exponential backoff.
It does not survive a dropped connection (a node restart): the exception ends the
generator mid-chunk. `write_all` wraps it: documents with no answer yet are sent
again after a backoff, and whatever still fails comes back as a `WriteResult(ok=False)`
with the reason, one per document.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TransportError
from elasticsearch import Elasticsearch, helpers

from indexing.base import StoreUnavailable, WriteResult

log = logging.getLogger(__name__)

RETRY_STATUS = (429, 503)
CONFLICT = "HTTP 409: "  # how `_describe` starts a version conflict: another writer changed the document
T = TypeVar("T")


@dataclass(frozen=True)
class BulkPolicy:
    chunk_size: int = 500
    max_chunk_bytes: int = 10 * 1024 * 1024
    max_retries: int = 4  # per chunk, for 429/503; and rounds after a lost connection
    initial_backoff: float = 0.5
    max_backoff: float = 30.0


def _describe(info: dict[str, Any]) -> str:
    error = info.get("error")
    status = info.get("status")
    if isinstance(error, dict):
        reason = error.get("reason") or ""
        caused = (error.get("caused_by") or {}).get("reason")
        text = f"{error.get('type', 'error')}: {reason}" + (f" ({caused})" if caused else "")
    else:
        text = str(error)
    return f"HTTP {status}: {text}" if status else text


def is_conflict(result: WriteResult) -> bool:
    """Whether a write failed because the document changed since it was read (`if_seq_no`, `create`)."""
    return not result.ok and (result.error or "").startswith(CONFLICT)


def read_with_backoff(call: Callable[[], T], policy: BulkPolicy) -> T:
    """A read a write depends on (the merge's mget): a 429/503 is retried with the bulk backoff, as the write
    would be, instead of failing every document of the window at once."""
    from elasticsearch import ApiError

    for attempt in range(policy.max_retries + 1):
        try:
            return call()
        except ApiError as exc:
            if getattr(exc, "status_code", None) not in RETRY_STATUS or attempt == policy.max_retries:
                raise
            wait = min(policy.max_backoff, policy.initial_backoff * 2**attempt)
            log.warning("read answered %s; retrying in %.1fs", exc.status_code, wait)
            time.sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def write_all(client: Elasticsearch, actions: list[dict[str, Any]], policy: BulkPolicy) -> Iterator[WriteResult]:
    """Send index actions (each with a unique `_id`); yield exactly one result per action."""
    pending: dict[str, dict[str, Any]] = {a["_id"]: a for a in actions}
    round_ = 0
    while pending:
        try:
            for ok, item in helpers.streaming_bulk(
                client,
                list(pending.values()),
                chunk_size=policy.chunk_size,
                max_chunk_bytes=policy.max_chunk_bytes,
                max_retries=policy.max_retries,
                initial_backoff=policy.initial_backoff,
                max_backoff=policy.max_backoff,
                retry_on_status=RETRY_STATUS,
                raise_on_error=False,
                raise_on_exception=False,
                yield_ok=True,
            ):
                _, info = next(iter(item.items()))
                doc_id = info.get("_id")
                if doc_id not in pending:  # pragma: no cover - ES always echoes the _id we sent
                    log.error("bulk answered for an id we did not send: %r", doc_id)
                    continue
                del pending[doc_id]
                if ok:
                    yield WriteResult(id=doc_id, ok=True, created=info.get("result") == "created")
                else:
                    yield WriteResult(id=doc_id, ok=False, error=_describe(info))
            return
        except (TransportConnectionError, ConnectionTimeout, TransportError) as exc:
            round_ += 1
            if round_ > policy.max_retries:
                reason = f"gave up after {round_} attempts: {type(exc).__name__}: {exc}"
                for doc_id in list(pending):
                    yield WriteResult(id=doc_id, ok=False, error=reason)
                return
            wait = min(policy.max_backoff, policy.initial_backoff * 2 ** (round_ - 1))
            log.warning(
                "bulk lost its connection (%s); %d documents unanswered, retrying in %.1fs", exc, len(pending), wait
            )
            time.sleep(wait)


def delete_all(client: Elasticsearch, index: str, ids: list[str], policy: BulkPolicy, what: str) -> int:
    """Delete these documents of `index` by id (retried as writes are, refreshed); return how many existed.

    An id that is not there comes back as a failed (404) delete and only goes uncounted. Any other failure (a
    read-only index, a rejection) raises `StoreUnavailable` naming `what` ("state key(s)", "alert document(s)"):
    it must not read as "was not there", or the caller would believe it done."""
    if not ids:
        return 0
    actions = [{"_op_type": "delete", "_index": index, "_id": doc_id} for doc_id in ids]
    deleted, errors = helpers.bulk(
        client, actions, raise_on_error=False, stats_only=False, refresh=True, max_retries=policy.max_retries,
        initial_backoff=policy.initial_backoff, max_backoff=policy.max_backoff, retry_on_status=RETRY_STATUS,
    )
    failed = [item for error in errors for item in error.values() if item.get("status") != 404]
    if failed:
        raise StoreUnavailable(f"Elasticsearch did not delete {len(failed)} {what} from {index} (first: HTTP "
                               f"{failed[0].get('status')}: {str(failed[0].get('error'))[:300]})")
    return deleted
