"""`groundswell subject forget` and `export` on a real SQLite store and the files a config writes: an erased author
is named nowhere afterwards, the rest is untouched, collection never stores them again, a second run is a no-op,
and the export lists every place beforehand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from subject_corpus import ANN, HANDLE, OTHERS, PARKED, build

from alerts.history import AlertLog
from groundswell.cli import cli
from groundswell.config import load_config
from groundswell.pipeline import collect, open_store
from groundswell.subject import Subject, parse_subject
from groundswell.subject_block import BlockList
from groundswell.subject_files import places_of
from groundswell.subject_forget import forget
from indexing.base import ENRICHED, Filters

THEIRS = [*ANN, PARKED]
ANN_SUBJECT = Subject(authors=frozenset({("x", HANDLE)}))


def _names(text: str) -> list[str]:
    """What of Ann's `text` still holds: her handle (as written, or Markdown-escaped), her post ids, her words."""
    needles = [HANDLE, HANDLE.replace("_", "\\_"), *(m.native_id for m in THEIRS), *(m.text[:30] for m in THEIRS)]
    return [n for n in needles if n in text]


def _files_naming(folder: Path) -> dict[str, list[str]]:
    """The files under `folder` naming Ann: the config's outputs and the store's files (SQLite and its write-ahead
    log), not the import source's input file, which is the team's own."""
    found = {}
    for path in folder.rglob("*"):
        if path.is_file() and path.name != "in.jsonl":
            named = _names(path.read_text(encoding="utf-8", errors="replace"))
            if named:
                found[path.name] = named
    return found


def _state_naming(store) -> dict[str, list[str]]:
    return {k: n for k, v in store.state_items("").items() if (n := _names(k + v)) and not k.startswith("forgotten:")}


@pytest.fixture
def demo(tmp_path):
    path = build(tmp_path)
    config = load_config(path)
    store = open_store(config)
    yield tmp_path, path, config, store
    store.close()


def test_forget_an_author_leaves_nothing_naming_them_and_the_rest_untouched(demo):
    folder, _, config, store = demo
    assert set(_files_naming(folder)) >= {"alerts.jsonl", "2026-11-04.md", "2026-11-04.json", "deadletter.jsonl"}
    assert _state_naming(store)  # copy keys, shares, alerts, correction, override, verdict note
    others_before = {m.id: m for m in store.iter_mentions(Filters(include_spam=True)) if m.author.handle != HANDLE}
    state_before = store.state_items("")

    report = forget(store, ANN_SUBJECT, places_of(config))

    assert report.mentions == 2 and report.parked == 1  # her retweet of Carol's post is a share, not a mention
    assert report.state["share"] == 2 and report.state["alert"] >= 1 and report.state["copy"] > 0
    assert report.state["sentiment-correction"] == 1 and report.state["spam-override"] == 1
    assert report.blocked == 1 and report.compacted
    assert _state_naming(store) == {}
    assert [m.id for m in store.iter_mentions(Filters(include_spam=True)) if m.author.handle == HANDLE] == []
    # The rest untouched: the other people's posts as they were, their alert whole, their shares and copy keys kept.
    others_after = {m.id: m for m in store.iter_mentions(Filters(include_spam=True))}
    assert others_before == others_after
    kept = {k: v for k, v in state_before.items() if not _names(k + v)}
    assert {k: v for k, v in store.state_items("").items() if k in kept} == kept
    carol_alert = next(a for a in AlertLog(store).load() if a.subject == "x:9102")
    assert [p.id for p in carol_alert.top_posts] == ["x:9102", "x:9101"] and HANDLE not in carol_alert.summary
    ann_alert = next(a for a in AlertLog(store).load() if a.subject != "x:9102")
    assert [p.id for p in ann_alert.top_posts] == ["x:9101"] and "[removed]" in ann_alert.summary
    digest = (folder / "digests" / "2026-11-04.md").read_text(encoding="utf-8")
    assert "[removed]" in digest and "bob" in digest  # her lines replaced, the others' kept
    # Every file, the store's included once the command has closed it (compacted: the deleted rows left the disk;
    # the only trace left is the block list's key, which must name her handle to do its work).
    store.close()
    named = _files_naming(folder)
    assert set(named) <= {"g.db"} and named.get("g.db", [HANDLE]) == [HANDLE], named


def test_forget_twice_removes_nothing_the_second_time_and_says_so(demo):
    _, _, config, store = demo
    first = forget(store, ANN_SUBJECT, places_of(config))
    folder = Path(config.report.path).parent
    files = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and ".db" not in p.name}
    state = store.state_items("")
    second = forget(store, ANN_SUBJECT, places_of(config))
    assert first.removed > 0 and second.removed == 0 and second.blocked == 0 and not second.compacted
    assert "nothing left to remove" in second.as_dict()["result"]
    assert store.state_items("") == state
    assert {p: p.read_bytes() for p in files} == files


def test_a_recollect_or_a_replay_after_forget_stores_nothing_of_theirs(demo):
    folder, _, config, store = demo
    forget(store, ANN_SUBJECT, places_of(config))
    # The same file collected again (a backfill), and Ann's parked post written back to the dead-letter file.
    (folder / "deadletter.jsonl").write_text(json.dumps(PARKED.model_dump(mode="json")) + "\n", encoding="utf-8")
    report = collect(config, store, use_cursor=False)  # a backfill reads the whole file again
    # Her two posts, her retweet of Carol, Bob's retweet of her (her words), and her parked post.
    theirs = sorted(m.id for m in [*ANN, OTHERS[2], OTHERS[3], PARKED])
    assert report.created == 0 and report.forgotten == len(theirs)
    assert sorted(r.split(":")[0] + ":" + r.split(":")[1] for r in report.skipped_reasons if "forgotten" in r) == theirs
    assert store.get([m.id for m in THEIRS] + ["x:9104"]) == []
    assert not (folder / "deadletter.jsonl").exists()
    # A later enrich/theme write made from an older read never puts a deleted post back.
    results = list(store.upsert([ANN[0]], fields=ENRICHED))
    assert results[0].ok and store.get([ANN[0].id]) == []


def test_forget_by_id_erases_the_post_not_its_author(demo):
    folder, _, config, store = demo
    (folder / "ids.txt").write_text(f"# from the platform\n{ANN[0].id}\n", encoding="utf-8")
    report = forget(store, parse_subject([], [], str(folder / "ids.txt")), places_of(config))
    assert report.mentions == 1 and store.get([ANN[0].id]) == [] and len(store.get([ANN[1].id])) == 1
    assert BlockList(store).keys() == {f"forgotten:id:{ANN[0].id}"}
    assert ANN[0].text[:30] not in (folder / "alerts.jsonl").read_text(encoding="utf-8")


def test_export_lists_every_place_and_changes_nothing(demo):
    folder, path, _, store = demo
    state = store.state_items("")
    out = folder / "ann.json"
    result = CliRunner().invoke(cli, ["subject", "export", "-c", str(path), "--author", f"x:@{HANDLE}",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert sorted(m["id"] for m in data["mentions"]) == sorted(m.id for m in ANN)
    assert [m["id"] for m in data["parked_mentions"]] == [PARKED.id]
    assert len(data["shares"]) == 2 and data["alerts"]
    assert {e["place"] for e in data["state"]} >= {"copy", "sentiment-correction", "spam-override", "alert-verdict"}
    files = {Path(f["path"]).name: f["lines"] for f in data["files"]}
    assert set(files) >= {"alerts.jsonl", "2026-11-04.md", "2026-11-04.json", "deadletter.jsonl"}
    assert all(files.values())
    assert store.state_items("") == state  # read-only


def test_cli_forget_dry_run_changes_nothing_and_bad_input_is_a_clear_error(demo):
    folder, path, _, store = demo
    before = store.count(Filters(include_spam=True))
    result = CliRunner().invoke(cli, ["subject", "forget", "-c", str(path), "--author", f"x:{HANDLE}", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["mentions"] == 2 and store.count(Filters(include_spam=True)) == before
    bad = CliRunner().invoke(cli, ["subject", "forget", "-c", str(path), "--author", HANDLE])
    assert bad.exit_code == 2 and "SOURCE:HANDLE" in bad.output
    assert store.count(Filters(include_spam=True)) == before and not BlockList(store)


def test_an_interrupted_forget_is_finished_by_the_next_run_from_its_pending_entry(demo):
    """The JSONL channel cannot be read during the first run (a line that is not UTF-8); the store is still done,
    the pending entry keeps her words, and the second run, once the file is fixed and her mentions are gone,
    still finds and redacts her quotes."""
    folder, path, config, store = demo
    channel = folder / "alerts.jsonl"
    good = channel.read_bytes()
    channel.write_bytes(good + "caf\xe9\n".encode("latin-1"))
    (folder / "digests" / "2026-11-03.md").write_bytes("caf\xe9 Acme\n".encode("latin-1"))  # ours, not UTF-8
    (folder / "digests" / "notes.md").write_bytes(f"{ANN[0].text} by @{HANDLE}\n".encode("latin-1"))  # not ours

    result = CliRunner().invoke(cli, ["subject", "forget", "-c", str(path), "--author", f"x:{HANDLE}"])

    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    first = json.loads(result.output)
    assert first["mentions"] == 2 and store.get([m.id for m in ANN]) == []  # the store was done
    assert sorted(line.split(":")[0] for line in first["unreadable_files"]) == sorted(
        [str(channel), str(folder / "digests" / "2026-11-03.md")])
    assert "not UTF-8" in " ".join(first["unreadable_files"]) and "run the same command again" in first["result"]
    assert ANN[0].text[:30] not in (folder / "digests" / "2026-11-04.md").read_text(encoding="utf-8")
    assert store.state_items("forgotten:pending:")  # kept: the job is not finished
    assert channel.read_bytes().startswith(good)  # left as it was
    channel.write_bytes(good)
    (folder / "digests" / "2026-11-03.md").unlink()

    second = CliRunner().invoke(cli, ["subject", "forget", "-c", str(path), "--author", f"x:{HANDLE}"])

    assert second.exit_code == 0, second.output
    report = json.loads(second.output)
    assert report["resumed"] and report["mentions"] == 0 and report["files"] == {str(channel): 1}
    assert _names(channel.read_text(encoding="utf-8")) == []
    assert store.state_items("forgotten:pending:") == {}
    assert (folder / "digests" / "notes.md").read_bytes() == f"{ANN[0].text} by @{HANDLE}\n".encode("latin-1")


def test_dry_run_and_export_refuse_a_store_opening_would_upgrade(demo):
    import sqlite3  # lazy: only this test reads the store's format directly

    folder, path, config, store = demo
    store.close()
    with sqlite3.connect(config.store.path) as conn:
        conn.execute("PRAGMA user_version = 5")  # an older format: the next open would rebuild its search index
    conn.close()
    before = Path(config.store.path).read_bytes()
    for args in (["forget", "--dry-run"], ["export", "--out", str(folder / "out.json")]):
        result = CliRunner().invoke(cli, ["subject", *args, "-c", str(path), "--author", f"x:{HANDLE}"])
        assert result.exit_code == 1 and "groundswell maintain" in result.output, result.output
    assert Path(config.store.path).read_bytes() == before and not (folder / "out.json").exists()


def test_a_platform_deletion_interrupted_after_its_deletes_is_finished_by_the_next_collect(demo):
    """A tombstone's erasure (no block-list entry) that could not finish: its posts are deleted, so no re-collect
    sees them again; the next collect finishes it from the pending entry, and blocks nothing."""
    folder, path, config, store = demo
    channel = folder / "alerts.jsonl"
    good = channel.read_bytes()
    channel.write_bytes(good + "caf\xe9\n".encode("latin-1"))  # unreadable for now: the erasure stops short
    gone = Subject(ids=frozenset({ANN[0].id}))

    first = forget(store, gone, places_of(config), block=False, compact=False)

    assert first.mentions == 1 and first.unreadable and store.get([ANN[0].id]) == []
    assert store.state_items("forgotten:pending:") and ANN[0].text[:30] in channel.read_text("latin-1")
    channel.write_bytes(good)  # fixed: the next run can finish

    collect(config, store)

    assert store.state_items("forgotten:pending:") == {}
    assert ANN[0].text[:30] not in channel.read_text(encoding="utf-8")
    assert not BlockList(store).blocks(ANN[0])  # a platform's deletion blocks nothing
