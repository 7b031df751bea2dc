"""`groundswell brands rename` against what a review found on a real SQLite store built through the real pipeline
(brand_rename_corpus): a rename another run holds is never run twice at once, and a collect with the old config
writing during it is caught before the pending record goes; `detect` finishes a pending rename; a collect between
the config edit and the rename warns, naming the command; a mistyped OLD is refused, naming the stored brand; the
dashboard sends an old link on to the new brand and alert id; a post the rename cannot rewrite is an error, not a
silent success; a cursor of brand ``Big:Acme`` is not renamed with brand ``Acme``.

Where a step must be interrupted or a write land between two of the rename's own (a process killed, a concurrent
collect), the real store is wrapped: a real store cannot be made to do that at a chosen step. Every write is the
real store's."""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from brand_rename_corpus import NEW, OLD, build, copy_to
from click.testing import CliRunner

from core.mention import Mention
from groundswell.brand_rename import PENDING_PREFIX, RenameBusy, claim_key, rename, resume_renames
from groundswell.brand_rename_state import plan_brand_keys
from groundswell.cli import cli
from groundswell.config import load_config
from indexing.base import Filters
from indexing.sqlite import SqliteStore


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("rename-guards-template"))


def _cli(*args: str):
    return CliRunner().invoke(cli, list(args))


def _state(folder: Path) -> dict[str, str]:
    store = SqliteStore(folder / "g.db")
    try:
        return store.state_items("")
    finally:
        store.close()


def _under(folder: Path, brand: str) -> int:
    store = SqliteStore(folder / "g.db")
    try:
        return store.count(Filters(brand=brand, include_spam=True))
    finally:
        store.close()


class Hooked:
    """The real store; `hook(store)` runs once, right after its `after`-th call of `method` (a write)."""

    def __init__(self, store: SqliteStore, method: str, hook: Any, after: int = 1) -> None:
        self.store, self.method, self.hook, self.after, self.calls = store, method, hook, after, 0

    def __getattr__(self, name: str) -> Any:
        real = getattr(self.store, name)
        if name != self.method:
            return real

        def call(*args: Any, **kwargs: Any) -> Any:
            result = real(*args, **kwargs)
            self.calls += 1
            if self.calls == self.after:
                self.hook(self.store)
            return result

        return call


class Killed(RuntimeError):
    """The process died here."""


def _killed(store: SqliteStore) -> None:
    raise Killed("killed mid-rename")


def test_a_rename_another_run_holds_is_neither_run_nor_resumed_twice(template, tmp_path, caplog):
    config = copy_to(template, tmp_path)
    store = SqliteStore(tmp_path / "g.db")
    try:  # another host's run holds the claim (its process cannot be judged gone from here)
        assert store.claim(claim_key(OLD), "other-host:4242:run", datetime.now(UTC) + timedelta(minutes=5))
        before = store.state_items("")
        with pytest.raises(RenameBusy, match="another run is renaming brand 'Acme' right now"):
            rename(store, load_config(config), OLD, NEW)
        store.set_state(PENDING_PREFIX + OLD, json.dumps({"old": OLD, "new": NEW, "alerts": {}, "merged": False}))
        with caplog.at_level(logging.WARNING):
            assert resume_renames(load_config(config), store) == []  # a collect seeing the record: skipped
        assert "another run is finishing it now: skipped here" in caplog.text
        store.delete_state([PENDING_PREFIX + OLD])
        assert store.state_items("") == before and store.count(Filters(brand=OLD, include_spam=True)) > 0
    finally:
        store.close()


def test_a_post_written_under_the_old_name_during_the_rename_is_renamed_before_it_reports_done(template, tmp_path):
    config = copy_to(template, tmp_path)
    late = Mention(source="x", native_id="late-1", text="acme charger overheating again", brands=[OLD],
                   matches={OLD: "acme"}, created_at=datetime.now(UTC) - timedelta(minutes=5))

    def collect_with_old_config(store: SqliteStore) -> None:  # a collect that loaded the config before the edit
        assert all(r.ok for r in store.upsert([late]))
        store.set_state(f"cursor:import:{OLD}", "late-cursor")

    store = SqliteStore(tmp_path / "g.db")
    try:
        report = rename(Hooked(store, "rename_brand", collect_with_old_config), load_config(config), OLD, NEW)
        assert report.errors == []
        assert store.count(Filters(brand=OLD, include_spam=True)) == 0
        assert [m.brands for m in store.get([late.id])] == [[NEW]]
        assert store.get_state(f"cursor:import:{NEW}") == "late-cursor"
        assert not store.state_items(PENDING_PREFIX) and store.get_state(f"cursor:import:{OLD}") is None
    finally:
        store.close()


def test_detect_finishes_a_pending_rename_before_it_judges(template, tmp_path):
    config = copy_to(template, tmp_path)
    store = SqliteStore(tmp_path / "g.db")
    try:
        with pytest.raises(Killed):
            rename(Hooked(store, "rename_brand", _killed), load_config(config), OLD, NEW)
    finally:
        store.close()
    assert PENDING_PREFIX + OLD in _state(tmp_path)
    detected = _cli("detect", "-c", str(config), "--no-send")
    assert detected.exit_code == 0, detected.output
    assert PENDING_PREFIX + OLD not in _state(tmp_path) and _under(tmp_path, OLD) == 0


def test_a_collect_between_the_config_edit_and_the_rename_warns_naming_the_command(template, tmp_path, caplog):
    config = copy_to(template, tmp_path)
    assert f"cursor:import:{OLD}" in _state(tmp_path)  # the corpus was collected under OLD by the import source
    with caplog.at_level(logging.WARNING, logger="groundswell.brand_rename"):
        collected = _cli("ingest", "-c", str(config), "--no-progress")
    assert collected.exit_code == 0, collected.output
    assert f'groundswell brands rename "{OLD}" "{NEW}"' in caplog.text
    assert "have no cursor on 'import'" in caplog.text


def test_a_mistyped_old_name_is_refused_naming_the_stored_one_and_a_second_run_is_nothing_left(template, tmp_path):
    config = copy_to(template, tmp_path)
    before = _state(tmp_path)
    for dry in ((), ("--dry-run",)):
        typo = _cli("brands", "rename", OLD.lower(), NEW, "-c", str(config), *dry)
        assert typo.exit_code == 1, typo.output
        assert typo.stderr.startswith(f"Error: nothing is stored under brand {OLD.lower()!r}, but {OLD!r} is")
        assert f'`groundswell brands rename "{OLD}" "{NEW}"`' in typo.stderr
    assert _state(tmp_path) == before
    nowhere = _cli("brands", "rename", "Zenith", NEW, "-c", str(config))
    assert nowhere.exit_code == 1 and "was never renamed: check the spelling; stored brands: 'Acme'" in nowhere.stderr
    assert _cli("brands", "rename", OLD, NEW, "-c", str(config)).exit_code == 0
    again = _cli("brands", "rename", OLD, NEW, "-c", str(config))
    assert again.exit_code == 0 and again.stdout.splitlines()[-1].startswith("nothing left to rename")


def test_a_post_the_rename_cannot_rewrite_fails_the_command_and_keeps_it_pending(template, tmp_path):
    config = copy_to(template, tmp_path)
    with sqlite3.connect(tmp_path / "g.db") as conn:  # a stored copy this version cannot read (a newer field)
        (mid, raw), = conn.execute("SELECT id, doc FROM mentions WHERE id = 'x:big-1'").fetchall()
        conn.execute("UPDATE mentions SET doc = ? WHERE id = ?", (json.dumps({**json.loads(raw), "topic": 1}), mid))
    conn.close()
    renamed = _cli("brands", "rename", OLD, NEW, "-c", str(config))
    assert renamed.exit_code == 1, renamed.output
    posts = _under(template, OLD)
    assert f"error: 1 of the {posts} post(s) under {OLD!r} could not be rewritten" in renamed.stdout
    assert renamed.stdout.splitlines()[-1].startswith("not finished")
    assert PENDING_PREFIX + OLD in _state(tmp_path) and _under(tmp_path, OLD) == 1


def test_an_old_link_reaches_the_renamed_brand_and_alert(template, tmp_path):
    from fastapi.testclient import TestClient  # lazy: FastAPI loads only for the test that builds an app

    from dashboards.web.app import create_app

    config = copy_to(template, tmp_path)
    sent = [json.loads(line) for line in (tmp_path / "sent.jsonl").read_text(encoding="utf-8").splitlines()]
    old_id = sent[0]["id"]
    assert _cli("brands", "rename", OLD, NEW, "-c", str(config)).exit_code == 0
    new_id = json.loads((tmp_path / "sent.jsonl").read_text(encoding="utf-8").splitlines()[0])["id"]
    assert new_id != old_id
    store = SqliteStore(tmp_path / "g.db")
    try:
        with TestClient(create_app(store, load_config(config)), base_url="http://127.0.0.1") as client:
            feed = client.get("/api/alerts", params={"brand": OLD, "days": 365})
            assert feed.status_code == 200, feed.text
            assert {a["brand"] for a in feed.json()["alerts"]} == {NEW} and feed.json()["total"] == len(sent)
            page = client.get("/alerts", params={"alert": old_id, "brand": OLD}, follow_redirects=False)
            assert page.status_code == 307
            assert page.headers["location"] == f"/alerts?alert={new_id}&brand={NEW.replace(' ', '+')}"
            assert client.get("/alerts", params={"alert": new_id, "brand": NEW},
                              follow_redirects=False).status_code == 200
    finally:
        store.close()


def test_a_brand_whose_name_ends_in_the_old_one_keeps_its_cursor(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    try:
        store.set_states({"cursor:x:Acme": "a", "cursor:x:Big:Acme": "b", "cursor:x#own:Acme": "c"})
        plan_brand_keys(store, "Acme", "Acme Corp").apply(store)
        assert store.state_items("cursor:") == {"cursor:x:Acme Corp": "a", "cursor:x:Big:Acme": "b",
                                                "cursor:x#own:Acme Corp": "c"}
        store.set_state("cursor:eu:x:Acme", "d")  # a source whose own key holds a colon: named by the config
        plan_brand_keys(store, "Acme", "Acme Corp", sources={"eu:x"}).apply(store)
        assert store.get_state("cursor:eu:x:Acme Corp") == "d"
    finally:
        store.close()
