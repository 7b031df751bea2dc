"""A benchmark writes on its own copy of the shared benchmark store (`bench/_store.py`), never on the base."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bench._store import copied_base
from bench.store_upgrade import base_sqlite
from indexing.base import Filters


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_writes_land_on_the_copy_and_the_copy_goes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # where base_sqlite builds (and keeps) the shared store
    with copied_base(200, "gs-test-copy-") as store:
        base = base_sqlite(200, None)
        before = _digest(base)
        copy = Path(store.path)
        assert copy != base and copy.name == "groundswell.db" and copy.parent.name.startswith("gs-test-copy-")
        stored = store.count(Filters(include_spam=True))
        store.set_states({"bench:probe": "1"})
        store.delete_ids(ids := [h.mention.id for h in store.search(Filters(), size=5).hits])
        assert len(ids) == 5 and store.count(Filters(include_spam=True)) == stored - 5
    assert _digest(base) == before
    assert not copy.exists()
    with copied_base(200, "gs-test-copy-") as again:  # the next benchmark starts from the whole base again
        assert again.count(Filters(include_spam=True)) == stored and again.get_state("bench:probe") is None
