"""`groundswell collect` (extractors.cli): a run to JSONL, recorded with vcrpy, then replayed offline."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from extractor_support import Reply

from extractors.cli import collect


def _hits():
    return {
        "hits": [
            {
                "objectID": "11",
                "title": "Acme ships v2",
                "created_at_i": 1_700_000_000,
                "author": "ann",
                "_tags": ["story"],
            },
            {
                "objectID": "12",
                "title": "Unrelated",
                "created_at_i": 1_700_000_001,
                "author": "bob",
                "_tags": ["story"],
            },
        ],
        "nbPages": 1,
    }


def test_record_then_replay_offline_gives_the_same_file(server, tmp_path):
    server.route("/api/v1/search_by_date", Reply(200, _hits()))
    tape = tmp_path / "hn.yaml"
    args = ["--source", "hackernews", "--query", "acme", "-o", f"base_url={server.base}", "-o", "max_pages=1"]
    runner = CliRunner()
    first = runner.invoke(collect, [*args, "--out", str(tmp_path / "a.jsonl"), "--record", str(tape)])
    assert first.exit_code == 0, first.output
    assert "1 mention(s)" in first.output and 'cursor: {"created_at_i":1700000001}' in first.output
    server.reset()  # the server now answers 404 to everything: the replay must not touch it
    second = runner.invoke(collect, [*args, "--out", str(tmp_path / "b.jsonl"), "--replay", str(tape)])
    assert second.exit_code == 0, second.output
    assert server.requests == []
    a = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    b = [json.loads(line) for line in (tmp_path / "b.jsonl").read_text().splitlines()]
    assert [x["id"] for x in a] == [x["id"] for x in b] == ["hackernews:11"]
    assert "Authorization" not in tape.read_text()


def test_query_syntax_error_names_the_column(tmp_path):
    result = CliRunner().invoke(
        collect, ["--source", "hackernews", "--query", "acme AND (x OR", "--out", str(tmp_path / "o.jsonl")]
    )
    assert result.exit_code == 2
    assert "column 13: OR needs a term after it" in result.output


def test_bad_option_is_named(tmp_path):
    result = CliRunner().invoke(
        collect, ["--source", "rss", "--query", "acme", "-o", "urlz=[a]", "--out", str(tmp_path / "o.jsonl")]
    )
    assert result.exit_code == 2 and "urlz" in result.output


def test_source_error_is_a_clean_failure_and_leaves_no_file(server, tmp_path):
    server.route("/api/v1/search_by_date", Reply(403, {"message": "forbidden"}))
    out = tmp_path / "o.jsonl"
    result = CliRunner().invoke(
        collect, ["--source", "hackernews", "--query", "acme", "-o", f"base_url={server.base}", "--out", str(out)]
    )
    assert result.exit_code == 1 and "not authorised (403)" in result.output
    assert not out.exists() and not list(tmp_path.glob("*.partial")) and not list(tmp_path.glob(".*.tmp"))


def test_the_output_replaces_links_planted_at_its_names_and_leaves_their_targets(server, tmp_path):
    # The file was written through a fixed `<out>.partial` and then renamed: a link planted at that name, in a shared
    # output folder, had the run write into its target (core/file_write.py now writes it).
    server.route("/api/v1/search_by_date", Reply(200, _hits()))
    out = tmp_path / "o.jsonl"
    victims = [tmp_path / "victim-out.txt", tmp_path / "victim-partial.txt"]
    for link, victim in zip((out, tmp_path / "o.jsonl.partial"), victims, strict=True):
        victim.write_text("someone else's file\n", encoding="utf-8")
        link.symlink_to(victim)
    result = CliRunner().invoke(collect, ["--source", "hackernews", "--query", "acme", "-o", f"base_url={server.base}",
                                          "-o", "max_pages=1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [v.read_text(encoding="utf-8") for v in victims] == ["someone else's file\n"] * 2
    assert not out.is_symlink() and json.loads(out.read_text().splitlines()[0])["id"] == "hackernews:11"


@pytest.mark.network_fixture
def test_replay_a_real_recording_through_the_cli(recordings, tmp_path):
    """Mastodon.py's own recorded session, played back through `groundswell collect --replay`."""
    out = tmp_path / "hoot.jsonl"
    result = CliRunner().invoke(
        collect,
        [
            "--source", "mastodon", "--query", "#hoot", "-o", "api_base_url=http://localhost:3000",
            "--replay", str(recordings / "mastodon" / "test_hashtag_tl.yaml"), "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (line,) = out.read_text().splitlines()
    assert json.loads(line)["text"] == "#hoot (hashtag toot)"
