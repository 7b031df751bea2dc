"""`groundswell brands rename OLD NEW` on a real SQLite store built through the real pipeline (brand_rename_corpus):
after the rename, a `run --history` sends nothing again, and `alerts list`, `alerts verdicts` and the dashboard's
alert feed show the brand's history under its new name, once, with its verdict. Before, the run detected the
crisis again under the new name as a new incident and sent it again. Also: a dry run writes nothing, a config
not edited yet is refused with one line, and a second rename finds nothing left."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from brand_rename_corpus import NEW, OLD, RUN, build, config_for, copy_to
from click.testing import CliRunner

from groundswell.cli import cli
from indexing.base import Filters
from indexing.sqlite import SqliteStore


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("rename-template"))


def _cli(*args: str):
    return CliRunner().invoke(cli, list(args))


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.suffix != ".yaml"}


def test_after_a_rename_a_history_run_sends_nothing_and_the_history_shows_under_the_new_name(template, tmp_path):
    config = copy_to(template, tmp_path)
    sent_before = _lines(tmp_path / "sent.jsonl")
    store = SqliteStore(tmp_path / "g.db")
    try:
        posts = store.count(Filters(brand=OLD, include_spam=True))
    finally:
        store.close()

    renamed = _cli("brands", "rename", OLD, NEW, "-c", str(config), "--json")
    assert renamed.exit_code == 0, renamed.output
    report = json.loads(renamed.stdout)
    counts = report["counts"]
    assert counts["mentions"] == posts and counts["alerts"] == len(sent_before)
    assert counts["incidents"] == 1 and counts["verdicts"] == 1 and counts["parked mentions"] == 1
    assert counts["ledger entries"] >= len(sent_before) and counts["channel file alerts"] == len(sent_before)
    assert counts["brand state"] >= 2 and counts["copy keys"] > 0  # detection's mark, themes; the copy index
    assert not report["merged"] and report["errors"] == []

    ran = _cli(*RUN, "-c", str(config))
    assert ran.exit_code == 0, ran.output
    summary = json.loads(ran.stdout.strip().splitlines()[-1])
    assert summary["alerts_fired"] >= len(sent_before)  # the same crisis is detected again, under the new name ...
    assert summary["alerts_sent"] == 0 and summary["incidents"] == 1  # ... and is the same incident, not sent again
    sent_after = _lines(tmp_path / "sent.jsonl")
    assert len(sent_after) == len(sent_before) and {a["brand"] for a in sent_after} == {NEW}

    listed = _cli("alerts", "list", "-c", str(config))
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(rows) == summary["alerts_fired"] and {r["brand"] for r in rows} == {NEW}  # once each, one name
    assert {a["id"] for a in sent_after} <= {r["alert"] for r in rows}
    assert {(r["verdict"], r["verdict_by"], r["verdict_note"]) for r in rows} == {("real", "ana", "chargers recalled")}
    verdicts = _cli("alerts", "verdicts", "-c", str(config))
    (judged, totals) = [json.loads(line) for line in verdicts.stdout.splitlines()]
    assert (judged["brand"], judged["verdict"], judged["by"], judged["note"], judged["stored"]) == (
        NEW, "real", "ana", "chargers recalled", True)
    assert totals["precision"]["by_brand"] == {NEW: {"real": 1, "false_alarm": 0, "precision": 1.0}}
    assert {r["incident"] for r in rows} == {judged["incident"]}

    from fastapi.testclient import TestClient  # lazy: FastAPI loads only for the test that builds an app

    from dashboards.web.app import create_app
    from groundswell.config import load_config

    store = SqliteStore(tmp_path / "g.db")
    try:
        with TestClient(create_app(store, load_config(config)), base_url="http://127.0.0.1") as client:
            feed = client.get("/api/alerts", params={"brand": NEW}).json()
        assert feed["total"] == len(rows) and {a["brand"] for a in feed["alerts"]} == {NEW}
        assert store.count(Filters(brand=OLD, include_spam=True)) == 0
        assert store.count(Filters(brand=NEW, include_spam=True)) == posts + 1  # the parked post, replayed
        # no key names the old brand but the rename's own record (old links and a second run find NEW by it)
        assert [k for k in store.state_items("") if OLD in k.replace(NEW, "")] == [f"brand-rename:done:{OLD}"]
    finally:
        store.close()

    again = _cli("brands", "rename", OLD, NEW, "-c", str(config))
    assert again.exit_code == 0, again.output
    nothing = f"nothing left to rename: the store and the files hold nothing under {OLD!r}"
    assert again.stdout.splitlines()[-1] == nothing


def test_a_dry_run_counts_what_the_rename_would_do_and_writes_nothing(template, tmp_path):
    config = copy_to(template, tmp_path)
    before = _files(tmp_path)
    dry = _cli("brands", "rename", OLD, NEW, "-c", str(config), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert _files(tmp_path) == before  # the store, its write-ahead log, the channel and dead-letter files
    lines = dry.stdout.splitlines()
    assert lines[0].startswith("mentions: ") and lines[0].endswith(" would rename")
    assert lines[-1].startswith("would rename ") and f"from {OLD!r} to {NEW!r}" in lines[-1]
    would = json.loads(_cli("brands", "rename", OLD, NEW, "-c", str(config), "--dry-run", "--json").stdout)
    assert _files(tmp_path) == before
    did = json.loads(_cli("brands", "rename", OLD, NEW, "-c", str(config), "--json").stdout)
    assert would["counts"] == did["counts"] and would["dry_run"] and not did["dry_run"]


@pytest.mark.parametrize(("brand", "args", "says"), [
    (OLD, (OLD, NEW), f"the config still names brand {OLD!r}: change its `name` to {NEW!r}"),
    ("Other", (OLD, NEW), f"the config names no brand {NEW!r}: change brand {OLD!r}'s `name` to {NEW!r}"),
    (NEW, (NEW, NEW), f"OLD and NEW are the same name ({NEW!r})"),
])
def test_a_config_not_edited_yet_is_refused_in_one_line_and_nothing_changes(template, tmp_path, brand, args, says):
    copy_to(template, tmp_path)
    config = config_for(tmp_path, brand)
    before = _files(tmp_path)
    refused = _cli("brands", "rename", *args, "-c", str(config))
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"Error: {says}") and len(refused.stderr.strip().splitlines()) == 1
    assert _files(tmp_path) == before


def test_a_dry_run_refuses_a_store_that_opening_would_upgrade(template, tmp_path):
    import sqlite3  # lazy: only this test reads the store's format directly

    config = copy_to(template, tmp_path)
    with sqlite3.connect(tmp_path / "g.db") as conn:
        conn.execute("PRAGMA user_version = 5")  # an older format: the next open would rebuild its search index
    conn.close()
    before = _files(tmp_path)
    refused = _cli("brands", "rename", OLD, NEW, "-c", str(config), "--dry-run")
    assert refused.exit_code == 1 and "groundswell maintain" in refused.stderr, refused.output
    after = _files(tmp_path)  # the format check's read-only open may leave SQLite's empty -wal/-shm companions
    assert {k: v for k, v in after.items() if k not in ("g.db-wal", "g.db-shm")} == before
