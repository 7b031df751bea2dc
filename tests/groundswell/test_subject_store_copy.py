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


def test_copying_a_backup_brings_back_none_of_their_state(tmp_path):
    """The backup is the store file as it was before the forget (copy keys, shares, a correction and a "not spam"
    of hers); copied back in whole, none of her entries returns, and the others' entries still do."""
    import shutil  # lazy: only this test copies the store file

    config = load_config(build(tmp_path))
    shutil.copy(config.store.path, tmp_path / "backup.db")
    backup = SqliteStore(tmp_path / "backup.db")
    live = open_store(config)
    try:
        theirs = {k for k, v in backup.state_items("").items() if HANDLE in k + v or "x:900" in k + v}
        assert any(k.startswith("copy:") for k in theirs) and any(k.startswith("share:") for k in theirs)
        forget(live, ANN_SUBJECT, places_of(config))
        lost = {k: v for k, v in backup.state_items("").items() if k not in theirs}
        for key in [k for k in live.state_items("") if not k.startswith("forgotten:")]:
            live.delete_state([key])  # the others' state too, so that the copy must bring it back

        report = copy_store(backup, live, source_name="backup", target_name="live")

        back = {k: v for k, v in live.state_items("").items() if not k.startswith("forgotten:")}
        naming = {k for k, v in back.items() if HANDLE in k + v or "x:900" in k + v or ANN[0].text[:20] in v}
        assert naming == set() and report.forgotten_state >= len(theirs)
        # Her alert comes back without her post (Bob's stays), the others' entries all come back.
        assert set(lost) <= set(back) and {k for k in theirs if k.startswith("alert:")} <= set(back)
    finally:
        live.close()
        backup.close()
