"""Writes that fail are parked as plain mention JSONL, replayed next run, and keep the exit code non-zero."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from core.mention import Author, Mention
from extractors.base import Batch
from groundswell import cli as cli_module
from groundswell import pipeline
from groundswell.cli import EXIT_ALL_FAILED, EXIT_PARTIAL, EXIT_UNSTORED, cli
from groundswell.config import parse_config
from groundswell.pipeline import CollectReport
from indexing.base import Filters, WriteResult
from indexing.sqlite import SqliteStore


class FailingWrites:
    """The real SQLite store, with chosen `upsert` calls failing.

    A fault injection: the real store cannot be made to refuse a write on demand (an
    Elasticsearch 503 storm, a full disk), so the calls listed in `fail_calls` report every
    mention as failed (or raise, with `raises=True`); everything else is the real store.
    """

    def __init__(self, store: SqliteStore, fail_calls: set[int], raises: bool = False):
        self._store = store
        self.fail_calls = fail_calls
        self.raises = raises
        self.calls = 0

    def upsert(self, mentions, *args, **kwargs):
        self.calls += 1
        mentions = list(mentions)
        if self.calls in self.fail_calls:
            if self.raises:
                raise ConnectionError("503 Service Unavailable")
            return iter([WriteResult(m.id, ok=False, error="503 Service Unavailable") for m in mentions])
        return self._store.upsert(mentions, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._store, name)


def _lines(n: int) -> str:
    return "".join(
        json.dumps({"source": "x", "native_id": str(i), "text": f"Lumora {i}", "created_at": "2026-11-01T10:00:00Z"})
        + "\n"
        for i in range(1, n + 1)
    )


@pytest.fixture
def setup(tmp_path):
    (tmp_path / "in.jsonl").write_text(_lines(6))
    data = {
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": [{"type": "import", "options": {"path": str(tmp_path / "in.jsonl"), "batch_size": 2}}],
        "store": {"type": "sqlite", "path": str(tmp_path / "g.db")},
        "report": {"path": str(tmp_path / "out" / "report.html")},
    }
    (tmp_path / "g.yaml").write_text(json.dumps(data))
    return parse_config(data), tmp_path


@pytest.mark.parametrize("raises", [False, True])
def test_failed_writes_are_parked_once_and_replayed(setup, raises):
    config, tmp_path = setup
    real = SqliteStore(tmp_path / "g.db")
    deadletter = tmp_path / "out" / "deadletter.jsonl"

    first = pipeline.collect(config, FailingWrites(real, {2}, raises=raises))
    assert first.failed_writes == 2 and first.deadletter == 2 and real.count() == 2
    parked = [Mention.model_validate_json(line) for line in deadletter.read_text().splitlines()]
    assert [m.id for m in parked] == ["x:3", "x:4"]  # plain mentions, readable by the import source

    # Still failing: the replay (call 1) fails again; the file is rewritten, not appended to.
    again = pipeline.collect(config, FailingWrites(real, {1, 2, 3, 4}, raises=raises))
    assert again.deadletter == 2 and len(deadletter.read_text().splitlines()) == 2

    healthy = pipeline.collect(config, real)
    assert healthy.replayed == 2 and healthy.deadletter == 0 and not deadletter.exists()
    assert sorted(m.id for m in real.iter_mentions()) == [f"x:{i}" for i in range(1, 7)]


class PoisonWrites:
    """The real SQLite store, except that the mentions in `poison` are always refused, one by one (a document
    the store can never take: a fault injection, as for FailingWrites)."""

    def __init__(self, store: SqliteStore, poison: set[str]):
        self._store, self.poison = store, poison

    def upsert(self, mentions, *args, **kwargs):
        mentions = list(mentions)
        good = {r.id: r for r in self._store.upsert([m for m in mentions if m.id not in self.poison], *args, **kwargs)}
        return iter([good.get(m.id) or WriteResult(m.id, ok=False, error="mapper_parsing_exception") for m in mentions])

    def __getattr__(self, name):
        return getattr(self._store, name)


def test_a_mention_the_store_never_takes_does_not_stop_its_source_for_good(setup):
    config, tmp_path = setup
    real = SqliteStore(tmp_path / "g.db")
    store = PoisonWrites(real, {"x:3"})
    first = pipeline.collect(config, store)  # x:3 fails for the first time: its batch is held, as in an outage
    assert (first.failed_writes, first.failed_again, first.deadletter) == (1, 0, 1)
    assert sorted(m.id for m in real.iter_mentions()) == ["x:1", "x:2", "x:4"]
    second = pipeline.collect(config, store)  # parked by an earlier run and refused again: bad data, go past it
    assert (second.failed_again, second.deadletter) == (1, 1)
    assert sorted(m.id for m in real.iter_mentions()) == ["x:1", "x:2", "x:4", "x:5", "x:6"]
    third = pipeline.collect(config, store)
    assert (third.collected, third.deadletter) == (0, 1)  # nothing fetched again; x:3 still waits in the file
    assert pipeline.collect(config, real).replayed == 1 and real.count() == 6  # the store takes it one day


def test_ingest_exits_non_zero_while_the_dead_letter_is_not_empty(setup, monkeypatch):
    config, tmp_path = setup
    real = SqliteStore(tmp_path / "g.db")
    # Fault injection again: the CLI opens its own store (pipeline.open_store, imported by the CLI
    # module), hand it the failing wrapper.
    monkeypatch.setattr(cli_module, "open_store", lambda cfg: FailingWrites(real, {2}))
    result = CliRunner().invoke(cli, ["ingest", "-c", str(tmp_path / "g.yaml"), "--no-progress"])
    assert result.exit_code == EXIT_UNSTORED, result.output
    assert "2 mention(s) could not be stored" in result.output
    monkeypatch.setattr(cli_module, "open_store", lambda cfg: real)
    result = CliRunner().invoke(cli, ["ingest", "-c", str(tmp_path / "g.yaml"), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[-1])["replayed"] == 2


def test_old_dead_letter_lines_are_still_replayed(setup):
    config, tmp_path = setup
    old = {"error": "503", "mention": json.loads(Mention.model_validate_json(
        '{"source":"x","native_id":"9","text":"Lumora 9","created_at":"2026-11-01T10:00:00Z"}').model_dump_json())}
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "deadletter.jsonl").write_text(json.dumps(old) + "\n" + json.dumps(old) + "\n")
    report = pipeline.collect(config, SqliteStore(tmp_path / "g.db"))
    assert report.replayed == 1 and report.deadletter == 0


def test_same_id_with_different_text_is_reported(tmp_path):
    path = tmp_path / "in.jsonl"
    rows = [("1", "Lumora first"), ("2", "Lumora two"), ("1", "Lumora first, edited"), ("2", "Lumora two")]
    path.write_text("".join(
        json.dumps({"source": "x", "native_id": i, "text": t, "created_at": "2026-11-01T10:00:00Z"}) + "\n"
        for i, t in rows
    ))
    config = parse_config({
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": [{"type": "import", "options": {"path": str(path), "batch_size": 3}}],
        "report": {"path": str(tmp_path / "report.html")},
    })
    store = SqliteStore(tmp_path / "g.db")
    report = pipeline.collect(config, store)
    assert report.duplicates == 2 and report.conflicting_ids == ["x:1"]
    assert {m.id: m.text for m in store.iter_mentions()}["x:1"] == "Lumora first, edited"


def _config_file(tmp_path, sources) -> str:
    data = {
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": sources,
        "store": {"type": "sqlite", "path": str(tmp_path / "g.db")},
        "report": {"path": str(tmp_path / "report.html")},
    }
    (tmp_path / "g.yaml").write_text(json.dumps(data))
    return str(tmp_path / "g.yaml")


def test_run_exits_non_zero_when_every_source_fails(tmp_path, monkeypatch):
    for var in ("X_BEARER_TOKEN", "REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET"):
        monkeypatch.delenv(var, raising=False)
    path = _config_file(tmp_path, [
        {"type": "x"},
        {"type": "reddit", "options": {"subreddits": ["lumora"]}},
        {"type": "import", "options": {"path": "exports/brandwatch.csv"}},
    ])
    check = CliRunner().invoke(cli, ["config", "check", path])
    assert check.exit_code == EXIT_PARTIAL and ": OK" not in check.output
    assert "$X_BEARER_TOKEN is not set" in check.output and "import file not found" in check.output
    result = CliRunner().invoke(cli, ["run", "-c", path, "--no-report", "--no-progress"])
    assert result.exit_code == EXIT_ALL_FAILED, result.output
    assert "every source failed" in result.output and "import file not found" in result.output


def test_ingest_exit_code_when_some_sources_fail(tmp_path):
    (tmp_path / "in.jsonl").write_text(_lines(2))
    path = _config_file(tmp_path, [
        {"type": "import", "name": "good", "options": {"path": str(tmp_path / "in.jsonl")}},
        {"type": "import", "name": "gone", "options": {"path": str(tmp_path / "gone.jsonl")}},
    ])
    result = CliRunner().invoke(cli, ["ingest", "-c", path, "--no-progress"])
    assert result.exit_code == EXIT_PARTIAL, result.output
    assert "1 of 2 source pass(es) failed" in result.output
    assert json.loads(result.stdout.splitlines()[-1])["stored"] == 2


def test_a_parked_story_another_source_stored_meanwhile_is_replayed_as_a_copy(tmp_path):
    # The RSS write of a story is parked; Hacker News then stores the same story (its URL with tracking
    # parameters). Replaying the RSS copy as a post of its own would count the story twice.
    config = parse_config({
        "brands": [{"name": "Lumora", "query": "lumora"}, {"name": "Pulse", "query": "pulse"}],
        "store": {"path": str(tmp_path / "g.db")}, "report": {"path": str(tmp_path / "out" / "report.html")},
    })
    store = SqliteStore(tmp_path / "g.db")

    def story(source: str, nid: str, brand: str, url: str) -> Mention:
        return Mention(source=source, native_id=nid, url=url, text=f"{brand} recall", brand=brand,
                       author=Author(handle="news"), created_at=datetime(2026, 3, 1, 12, tzinfo=UTC))

    rss = story("rss", "1", "Pulse", "https://news.example.com/recall?utm_source=feed")
    other = story("rss", "2", "Lumora", "https://news.example.com/other")
    assert not pipeline._store_batch(config, FailingWrites(store, {1}), Batch([rss, other]), CollectReport(), {})
    hn = CollectReport()
    pipeline._store_batch(config, store, Batch([story("hackernews", "9", "Lumora", "https://news.example.com/recall")]),
                          hn, {})
    assert hn.stored == 1

    replay = pipeline.replay_deadletter(config, store)

    assert sorted(m.id for m in store.iter_mentions(Filters())) == ["hackernews:9", "rss:2"]
    assert store.get(["hackernews:9"])[0].brands == ["Lumora", "Pulse"]  # counts once, for both brands
    assert (replay.replayed, replay.duplicates, replay.deadletter) == (1, 1, 0)
    assert not pipeline.dead_letter(config).parked_ids()  # nothing left waiting


def test_a_parked_copy_of_a_mention_still_failing_stays_parked(tmp_path):
    # Two sources' copies of one story are parked; on replay the first is stored only if the store takes it:
    # while it fails again its copy waits with it, so neither is lost.
    config = parse_config({
        "brands": [{"name": "Lumora", "query": "lumora"}],
        "store": {"path": str(tmp_path / "g.db")}, "report": {"path": str(tmp_path / "out" / "report.html")},
    })
    store = SqliteStore(tmp_path / "g.db")
    url = "https://news.example.com/recall"
    parked = [Mention(source=s, native_id="1", url=url, text="Lumora recall", author=Author(handle="news"),
                      brand="Lumora", created_at=datetime(2026, 3, 1, 12, tzinfo=UTC)) for s in ("rss", "hackernews")]
    pipeline.dead_letter(config).park(parked, reason="503")

    failing = pipeline.replay_deadletter(config, FailingWrites(store, {1}))
    assert (failing.replayed, failing.duplicates, failing.deadletter) == (0, 0, 2)

    replay = pipeline.replay_deadletter(config, store)
    assert (replay.replayed, replay.duplicates, replay.deadletter) == (1, 1, 0)
    assert [m.id for m in store.iter_mentions(Filters())] == ["rss:1"]


def test_lines_that_are_not_utf8_stay_byte_for_byte_while_the_rest_is_replayed(setup):
    # Read with errors="replace" and rewritten, a Latin-1 edit lost its bytes to U+FFFD for good, also in the
    # lines promised to be kept verbatim for a person to fix.
    config, tmp_path = setup
    good = {"source": "x", "native_id": "7", "text": "Lumora café", "created_at": "2026-11-01T10:00:00Z"}
    latin1 = json.dumps({**good, "native_id": "8"}, ensure_ascii=False).encode("latin-1")  # "caf\xe9"
    broken = b'{"broken": "na\xefve" \r'  # neither UTF-8 nor JSON; its \r is kept too
    path = tmp_path / "out" / "deadletter.jsonl"
    path.parent.mkdir()
    path.write_bytes(json.dumps(good, ensure_ascii=False).encode("utf-8") + b"\n" + latin1 + b"\n" + broken + b"\n")

    store = SqliteStore(tmp_path / "g.db")
    report = pipeline.collect(config, store)
    assert report.replayed == 1 and report.deadletter == 2
    assert store.get(["x:7"])[0].text == "Lumora café" and store.get(["x:8"]) == []
    assert path.read_bytes() == latin1 + b"\n" + broken + b"\n"  # what a person must fix, as it was
    pipeline.collect(config, store)  # and again: still untouched
    assert path.read_bytes() == latin1 + b"\n" + broken + b"\n"
    store.close()
