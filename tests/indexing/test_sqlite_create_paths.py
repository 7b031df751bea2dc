"""Where and how a new SQLite store is created (`SqliteStore._create`): a store path that is a symlink to a file not
created yet is created at its target, as SQLite itself did before stores were built aside; a path that cannot be
created is one clear error; and on a filesystem without hard links two processes creating one store never replace
each other's (real SQLite files)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from indexing.base import StoreUnavailable
from indexing.sqlite import SqliteStore


def test_a_dangling_symlink_store_path_is_created_at_its_target(tmp_path):
    volume = tmp_path / "volume"
    volume.mkdir()
    link = tmp_path / "g.db"
    link.symlink_to(volume / "real.db")  # the store on another volume, not created yet
    store = SqliteStore(link)
    try:
        store.set_state("cursor", "1")
    finally:
        store.close()
    assert link.is_symlink() and (volume / "real.db").stat().st_size > 0
    reopened = SqliteStore(link)
    try:
        assert reopened.get_state("cursor") == "1"
    finally:
        reopened.close()
    assert [p.name for p in tmp_path.rglob("*.new-*")] == []


def test_a_store_path_that_cannot_be_created_is_one_clear_error(tmp_path):
    loop = tmp_path / "g.db"
    loop.symlink_to(loop)  # resolves to nothing a file can be made at
    with pytest.raises(StoreUnavailable, match="cannot .*SQLite store"):
        SqliteStore(loop)


def test_without_hard_links_a_store_another_process_created_is_never_replaced(tmp_path, monkeypatch):
    """Fault injection: the test's filesystem has hard links, so `os.link` failing (as on a filesystem without them)
    is patched in. The race is made certain, not left to timing: just before the first creator renames its new file
    in, a second creator (a thread: the lock is per open file, so it holds between threads as between processes)
    opens the same path and writes to it. Its write must be in the store afterwards."""
    path = tmp_path / "g.db"
    real_replace = os.replace
    second_wrote = threading.Event()
    errors: list[BaseException] = []

    def no_links(*_args, **_kwargs):
        raise PermissionError(1, "Operation not permitted (no hard links here)")

    def second_creator() -> None:
        try:
            store = SqliteStore(path)
            store.set_state("written-by", "second")
            store.close()
            second_wrote.set()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    first_rename = threading.Event()

    def replace(src, dst):
        if Path(dst) == path and not first_rename.is_set():
            first_rename.set()
            second = threading.Thread(target=second_creator)
            second.start()
            second_wrote.wait(3)  # the fix makes it wait for the lock this creator holds: it cannot write yet
        return real_replace(src, dst)

    monkeypatch.setattr(os, "link", no_links)
    monkeypatch.setattr(os, "replace", replace)
    first = SqliteStore(path)
    first.close()
    assert second_wrote.wait(10) and not errors, errors
    store = SqliteStore(path)
    try:
        assert store.get_state("written-by") == "second"
    finally:
        store.close()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("g.db-")) == ["g.db"]
