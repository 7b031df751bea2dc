"""`StateStore.claim` / `release`, the primitive that keeps overlapping deliveries from sending twice: on SQLite
(each thread its own store, so its own connection to the one file), on a real Elasticsearch node, and in memory.
Of callers racing for a free or expired key exactly one wins; a live claim holds; its owner may renew it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from core.state import prune_claims
from extractors.state import MemoryState
from indexing.sqlite import SqliteStore

RACERS = 8


def _race(claim_with: Callable[[int], bool]) -> list[int]:
    """Every racer calls `claim_with(its number)` at once; the numbers of those it returned True for."""
    barrier = threading.Barrier(RACERS)
    won: list[int] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            if claim_with(i):
                won.append(i)
        except BaseException as exc:  # surfaced below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return won


def _semantics(store) -> None:
    now = datetime.now(UTC)
    later, earlier = now + timedelta(hours=1), now - timedelta(seconds=1)
    assert store.claim("claim:t:a", "run-1", later)
    assert not store.claim("claim:t:a", "run-2", later)  # live: another run's
    assert store.claim("claim:t:a", "run-1", later + timedelta(hours=1))  # its owner renews it
    assert not store.release("claim:t:a", "run-2")  # not run-2's to release
    assert store.get_state("claim:t:a") is not None
    assert store.release("claim:t:a", "run-1")
    assert store.get_state("claim:t:a") is None and not store.release("claim:t:a", "run-1")
    assert store.claim("claim:t:a", "run-2", earlier)  # free again (a claim that is already over: still taken)
    assert store.claim("claim:t:a", "run-3", later)  # expired: taken over
    assert not store.release("claim:t:a", "run-2")  # the old owner's release leaves the new claim alone
    assert not store.claim("claim:t:a", "run-2", later)
    store.set_state("claim:t:b", "not a claim")
    assert store.claim("claim:t:b", "run-1", later)  # unreadable: never blocks for good


def test_sqlite_claim_semantics(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    _semantics(store)
    store.close()


def test_memory_claim_semantics():
    _semantics(MemoryState())


def test_sqlite_concurrent_claims_one_wins(tmp_path):
    path = tmp_path / "g.db"
    stores = [SqliteStore(path) for _ in range(RACERS)]  # each its own connection to the file
    later = datetime.now(UTC) + timedelta(hours=1)
    for round_ in range(5):
        key = f"claim:alert:hook:{round_}"
        assert len(_race(lambda i, key=key: stores[i].claim(key, f"run-{i}", later))) == 1
    # An expired claim: of the runs racing to take it over, one does.
    stores[0].claim("claim:alert:hook:x", "crashed", datetime.now(UTC) - timedelta(seconds=1))
    assert len(_race(lambda i: stores[i].claim("claim:alert:hook:x", f"run-{i}", later))) == 1
    for store in stores:
        store.close()


def test_memory_concurrent_claims_one_wins():
    state = MemoryState()
    later = datetime.now(UTC) + timedelta(hours=1)
    assert len(_race(lambda i: state.claim("claim:k", f"run-{i}", later))) == 1


def test_elasticsearch_claim_semantics(es_store):
    _semantics(es_store)
    long_key = "claim:alert:" + "x" * 600  # over an _id's 512 bytes: stored under its hash
    assert es_store.claim(long_key, "run-1", datetime.now(UTC) + timedelta(hours=1))
    assert not es_store.claim(long_key, "run-2", datetime.now(UTC) + timedelta(hours=1))
    assert list(es_store.state_items("claim:alert:")) == [long_key]


def test_elasticsearch_concurrent_claims_one_wins(es_store):
    later = datetime.now(UTC) + timedelta(hours=1)
    for round_ in range(3):
        key = f"claim:alert:hook:{round_}"
        assert len(_race(lambda i, key=key: es_store.claim(key, f"run-{i}", later))) == 1
    # Taking over an expired claim races on its seq_no: one wins.
    es_store.claim("claim:alert:hook:x", "crashed", datetime.now(UTC) - timedelta(seconds=1))
    assert len(_race(lambda i: es_store.claim("claim:alert:hook:x", f"run-{i}", later))) == 1


@pytest.mark.parametrize("make", [MemoryState, lambda: SqliteStore(":memory:")])
def test_prune_claims_drops_only_expired_ones(make):
    store, now = make(), datetime.now(UTC)
    store.claim("claim:alert:c:old", "crashed", now - timedelta(minutes=1))
    store.claim("claim:alert:c:new", "live", now + timedelta(minutes=10))
    assert prune_claims(store, now) == 1 and list(store.state_items("claim:")) == ["claim:alert:c:new"]
