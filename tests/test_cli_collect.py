"""`groundswell collect --replay`: a request the recording cannot answer fails once, with the whole story."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from groundswell.cli import cli
from tests.conftest import shared_path


class _HackerNews(BaseHTTPRequestHandler):
    """Answers every search with one story, like Algolia's HN search."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        hit = {"objectID": "11", "title": "Acme ships", "created_at_i": 1_700_000_000, "author": "a"}
        hit["_tags"] = ["story"]
        body = json.dumps({"hits": [hit], "nbPages": 1}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def hn_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HackerNews)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _collect(*args: str):
    return CliRunner().invoke(cli, ["collect", *args])


def test_replay_of_another_query_names_the_request_and_a_fix_the_cli_can_do(hn_server, tmp_path):
    tape = tmp_path / "hn.yaml"
    common = ["--source", "hackernews", "-o", f"base_url={hn_server}", "-o", "max_pages=1"]
    recorded = _collect(*common, "--query", "acme", "--out", str(tmp_path / "a.jsonl"), "--record", str(tape))
    assert recorded.exit_code == 0, recorded.output
    replayed = _collect(*common, "--query", "other", "--out", str(tmp_path / "b.jsonl"), "--replay", str(tape))
    assert replayed.exit_code == 1
    message = replayed.output
    assert f"{tape} has no recorded response for GET {hn_server}/api/v1/search_by_date" in message
    assert "query=other" in message and "query=acme" in message  # what was asked, what was recorded
    assert "--record FILE instead of --replay" in message
    assert "record_mode" not in message  # vcrpy's options are not something the CLI can set
    assert not (tmp_path / "b.jsonl").exists()


def test_replay_mismatch_through_a_client_library_is_not_retried(tmp_path, caplog):
    """Mastodon.py wraps the cassette miss in a network error, which the retry policy would retry."""
    tape = shared_path("fixtures", "recordings", "mastodon", "test_hashtag_tl.yaml")
    caplog.set_level(logging.WARNING)
    result = _collect(
        "--source", "mastodon", "--query", "#other", "-o", "api_base_url=http://localhost:3000",
        "--replay", str(tape), "--out", str(tmp_path / "o.jsonl"),
    )  # fmt: skip
    assert result.exit_code == 1
    assert not [r for r in caplog.records if "retry" in r.getMessage()]
    lines = result.output.strip().splitlines()
    assert lines[0] == f"Error: {tape} has no recorded response for GET http://localhost:3000/api/v1/timelines/tag/other"
    assert any("/api/v1/timelines/tag/hoot" in line for line in lines)  # the closest recorded request, in full
    assert lines[-1].endswith("the same command with --record FILE instead of --replay.")


@pytest.mark.parametrize("command", [["ingest", "--no-progress"], ["advocates", "--brand", "Acme"]])
def test_a_reversed_window_is_an_error_not_an_empty_success(tmp_path, command):
    # It read nothing and exited 0, as if the range had no posts.
    (tmp_path / "in.jsonl").write_text(json.dumps(
        {"source": "x", "native_id": "1", "text": "Acme ships", "created_at": "2026-03-05T10:00:00Z"}) + "\n")
    config = tmp_path / "g.yaml"
    config.write_text(json.dumps({
        "brands": [{"name": "Acme", "query": "acme"}],
        "sources": [{"type": "import", "options": {"path": str(tmp_path / "in.jsonl")}}],
        "store": {"path": str(tmp_path / "g.db")}, "report": {"path": str(tmp_path / "report.html")},
    }))
    result = CliRunner().invoke(cli, [*command, "-c", str(config), "--since", "2026-03-10", "--until", "2026-03-01"])
    assert result.exit_code == 1, result.output
    # The dates are local days of digest.timezone (UTC here), named as UTC instants.
    assert "since (2026-03-10T00:00:00+00:00) must be before until (2026-03-01T00:00:00+00:00)" in result.output
    assert "Traceback" not in result.output
