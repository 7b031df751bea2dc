"""`groundswell store copy` honours the block list: an older store (a backup, the store a team moves from) copied
into one where a person was forgotten never brings them back, and the block list travels with a copy."""

from __future__ import annotations

from subject_corpus import ANN, HANDLE, OTHERS, build

from groundswell.config import load_config
from groundswell.pipeline import open_store
from groundswell.store_copy import copy_store
from groundswell.subject import Subject
from groundswell.subject_files import places_of
from groundswell.subject_forget import forget
from indexing.base import Filters
from indexing.sqlite import SqliteStore

ANN_SUBJECT = Subject(authors=frozenset({("x", HANDLE)}))


def test_copying_an_older_store_into_one_that_forgot_them_skips_their_posts(tmp_path):
    config = load_config(build(tmp_path))
    backup = SqliteStore(tmp_path / "backup.db")
    live = open_store(config)
    try:
        assert all(r.ok for r in backup.upsert(live.iter_mentions(Filters(include_spam=True))))
        forget(live, ANN_SUBJECT, places_of(config))
        report = copy_store(backup, live, source_name="backup", target_name="live")
        assert report.forgotten == len(ANN) and report.complete
        assert live.get([m.id for m in ANN]) == [] and len(live.get([m.id for m in OTHERS[:2]])) == 2
        # The other way: a copy out of the store that forgot them carries its block list to the target first.
        fresh = SqliteStore(tmp_path / "fresh.db")
        try:
            copy_store(live, fresh, source_name="live", target_name="fresh", brand="Acme")  # partial: mentions only
            assert fresh.state_items("forgotten:") == live.state_items("forgotten:") != {}
            assert copy_store(backup, fresh, source_name="backup", target_name="fresh").forgotten == len(ANN)
            assert fresh.get([m.id for m in ANN]) == []
        finally:
            fresh.close()
    finally:
        live.close()
        backup.close()
