"""`groundswell brands rename` interrupted after any of its writes, then finished: by the same command run again,
or by the next `collect` (`resume_renames`), the store and the files end exactly as after an uninterrupted rename.

The crash is injected by wrapping the real SQLite store: its k-th write lands, then the wrapper raises. That is a
fault a real store cannot be made to produce at a chosen step (a process killed between two writes), so the wrapper
stands in for it; every write itself is the real store's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from brand_rename_corpus import NEW, OLD, build, copy_to
from crashing_store import Crash, CrashingStore

from groundswell.brand_rename import PENDING_PREFIX, rename
from groundswell.config import load_config
from groundswell.health import SOURCE_PREFIX as HEALTH_PREFIX
from groundswell.pipeline import collect
from indexing.base import Filters
from indexing.sqlite import SqliteStore

WRITES = ("set_state", "set_states", "delete_state", "rename_brand")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("rename-crash-template"))


def _end_state(folder: Path) -> dict[str, Any]:
    """Everything the rename touches: the state, every mention as stored, the channel and dead-letter files."""
    store = SqliteStore(folder / "g.db")
    try:
        # collected_at is when a post was last written (groundswell.pipeline.stamped): the parked post a collect
        # replays gets the replay's time, so it is left out; every other field must be equal.
        mentions = sorted(json.dumps(m.model_dump(mode="json", exclude={"collected_at"}), sort_keys=True)
                          for m in store.iter_mentions(Filters(include_spam=True)))
        # Health records (groundswell/health.py) say when each run collected: the runs differ, not the data. Their
        # keys are compared (a rename must move them), not their times.
        state = {k: (None if k.startswith(HEALTH_PREFIX) else v) for k, v in store.state_items("").items()}
        return {"state": state, "mentions": mentions,
                **{name: (folder / name).read_bytes() if (folder / name).exists() else None
                   for name in ("sent.jsonl", "deadletter.jsonl")}}  # a replay empties the dead-letter file
    finally:
        store.close()


def _rename(folder: Path, config: Path, at: int | None = None) -> int:
    """Rename OLD to NEW on the folder's store (crashing after write `at`); return how many writes it made."""
    store = SqliteStore(folder / "g.db")
    crashing = CrashingStore(store, at, WRITES)
    try:
        rename(crashing, load_config(config), OLD, NEW)  # type: ignore[arg-type]
    except Crash:
        assert at is not None and crashing.writes == at
    finally:
        store.close()
    return crashing.writes


@pytest.fixture(scope="module")
def uninterrupted(template, tmp_path_factory) -> tuple[int, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("rename-uninterrupted")
    writes = _rename(folder, copy_to(template, folder))
    return writes, _end_state(folder)


def test_a_rename_interrupted_after_any_write_is_finished_by_running_it_again(template, uninterrupted, tmp_path):
    writes, expected = uninterrupted
    assert writes >= 10 and not any(k.startswith(PENDING_PREFIX) for k in expected["state"])
    for at in range(1, writes + 1):
        folder = tmp_path / f"crash-{at}"
        folder.mkdir()
        config = copy_to(template, folder)
        _rename(folder, config, at)
        if at < writes:  # interrupted before its end: the pending entry says so
            assert any(k.startswith(PENDING_PREFIX) for k in _end_state(folder)["state"]), at
        _rename(folder, config)
        assert _end_state(folder) == expected, f"interrupted after write {at}"


def test_the_next_collect_finishes_an_interrupted_rename(template, uninterrupted, tmp_path):
    writes, _ = uninterrupted
    done = tmp_path / "done"
    done.mkdir()
    config = copy_to(template, done)
    _rename(done, config)
    for folder, at in ((done, None), (tmp_path / "crashed", writes // 2)):
        if at is not None:
            folder.mkdir()
            _rename(folder, copy_to(template, folder), at)
        cfg = load_config(folder / "g.yaml")
        store = SqliteStore(folder / "g.db")
        try:
            collect(cfg, store)  # replays the parked post too: on both, after the rename
        finally:
            store.close()
    assert _end_state(tmp_path / "crashed") == _end_state(done)
    assert _end_state(done)["state"].keys().isdisjoint({f"alert_detected:{OLD}", f"themes:{OLD}"})
