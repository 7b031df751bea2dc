"""A rate limit longer than the source's `max_wait_s` is not slept on: the source fails for this run naming the
wait, the other sources go on, `groundswell ingest` exits 3, and the cursor stays put for the next run.

Before, RetryPolicy waited up to 900 s per try (five tries): one rate-limited API held a whole scheduled run for
about an hour. Real HTTP against a local server, a real SQLite store, the real CLI."""

from __future__ import annotations

import json
import time

import pytest
import yaml
from click.testing import CliRunner
from extractor_support import Reply

from groundswell.cli import cli
from groundswell.config import load_config
from indexing.sqlite import SqliteStore

BY_DATE = "/api/v1/search_by_date"
HOUR = "3600"  # Retry-After: an hour, far past the default ceiling of 60 s


def _config(tmp_path, server_base: str, **hn) -> str:
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"native_id": "a1", "url": "https://example.test/a1", "text": "Acme rocks",
                                  "created_at": "2026-11-20T10:00:00+00:00",
                                  "author": {"handle": "ann", "followers": 5}}) + "\n")
    config = {
        "brands": [{"name": "Acme", "query": "Acme"}],
        "sources": [
            {"type": "hackernews", "options": {"base_url": server_base, "max_pages": 1}, **hn},
            {"type": "import", "options": {"path": str(export)}},
        ],
        "store": {"type": "sqlite", "path": str(tmp_path / "gs.db")},
        "report": {"path": str(tmp_path / "report.html")},
    }
    path = tmp_path / "groundswell.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return str(path)


def _cursor(tmp_path) -> str | None:
    store = SqliteStore(tmp_path / "gs.db")
    try:
        return store.get_state("cursor:hackernews:Acme")
    finally:
        store.close()


def test_a_long_retry_after_fails_the_source_at_once_and_keeps_its_cursor(server, tmp_path):
    server.route(BY_DATE, Reply(429, {"message": "slow down"}, {"Retry-After": HOUR}))
    path = _config(tmp_path, server.base)
    cursor_before = _cursor(tmp_path)

    started = time.monotonic()
    result = CliRunner().invoke(cli, ["ingest", "--config", path])
    took = time.monotonic() - started

    assert result.exit_code == 3, result.output  # some sources failed, the others collected
    assert took < 30, took  # not an hour (nor the 5 x 60 s of backoff the old policy could add)
    assert len([r for r in server.requests if r[0] == BY_DATE]) == 1  # asked once, then gave up for this run
    out = result.output
    assert "rate limited for 3600s" in out and "until " in out and "next run resumes from its cursor" in out
    summary = json.loads(next(line for line in reversed(out.splitlines()) if line.startswith("{")))
    assert summary["stored"] == 1  # the import source went on
    assert _cursor(tmp_path) == cursor_before  # nothing read, nothing skipped: the next run starts where this did


def test_max_wait_s_lets_a_backfill_wait_longer(server, tmp_path):
    # A Retry-After of 2 s fits a ceiling of 5 s: slept on once, then the page is read.
    server.route(BY_DATE, Reply(429, {}, {"Retry-After": "2"}), Reply(200, {"hits": [], "nbPages": 0, "page": 0}))
    path = _config(tmp_path, server.base, max_wait_s=5)
    result = CliRunner().invoke(cli, ["ingest", "--config", path])
    assert result.exit_code == 0, result.output
    assert len([r for r in server.requests if r[0] == BY_DATE]) >= 2


@pytest.mark.parametrize("bad", [0, -1, 3601, "soon"])
def test_max_wait_s_is_validated(tmp_path, server, bad):
    assert load_config(_config(tmp_path, server.base, max_wait_s=900)).sources[0].max_wait_s == 900
    path = _config(tmp_path, server.base, max_wait_s=bad)
    with pytest.raises(ValueError, match="max_wait_s"):
        load_config(path)


def test_the_ceiling_is_a_budget_over_the_whole_extraction_not_per_request(server, tmp_path):
    # Each page answered "Retry-After: 2" once, under max_wait_s 3: per request each wait fits, but the source's
    # waits in this run add up (2 + 2 > 3), so the second wait is not slept on. Before, a ceiling per request let
    # 10 pages of "Retry-After: 50" under 60 s sleep 500 s in all.
    now = int(time.time()) - 600
    pages = [Reply(200, {"hits": [{"objectID": f"p{p}", "title": f"Acme {p}", "created_at_i": now - p * 60,
                                   "author": "ann", "_tags": ["story"]}], "nbPages": 3, "page": p}) for p in range(3)]
    limited = Reply(429, {}, {"Retry-After": "2"})
    server.route(BY_DATE, limited, pages[0], limited, pages[1], limited, pages[2])
    path = _config(tmp_path, server.base, max_wait_s=3)
    config = yaml.safe_load(open(path))
    config["sources"][0]["options"]["max_pages"] = 3
    with open(path, "w") as handle:
        yaml.safe_dump(config, handle, sort_keys=False)

    started = time.monotonic()
    result = CliRunner().invoke(cli, ["ingest", "--config", path])
    took = time.monotonic() - started

    assert result.exit_code == 3, result.output
    assert "2s already waited" in result.output and "max_wait_s of 3s for this source in this run" in result.output
    assert 2 <= took < 4, took  # one wait of 2 s slept, the second not
    assert len([r for r in server.requests if r[0] == BY_DATE]) == 3  # 429, page 1, 429: no third try
