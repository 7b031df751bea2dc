"""`groundswell collect --max-wait-s`: the same wait ceiling as `sources[].max_wait_s` (over 0, at most 3600), and a
replay never fails on a recorded wait, however long (it does not really wait). Real HTTP, real vcrpy cassettes."""

from __future__ import annotations

import copy
import time

import pytest
import yaml
from click.testing import CliRunner
from extractor_support import Reply

from extractors.cli import collect

BY_DATE = "/api/v1/search_by_date"
HITS = {"hits": [{"objectID": "11", "title": "Acme ships v2", "created_at_i": 1_700_000_000, "author": "ann",
                  "_tags": ["story"]}], "nbPages": 1}


def _args(server, tmp_path, *extra: str) -> list[str]:
    return ["--source", "hackernews", "--query", "acme", "-o", f"base_url={server.base}", "-o", "max_pages=1",
            "--out", str(tmp_path / "o.jsonl"), *extra]


@pytest.mark.parametrize("bad", ["0", "-1", "3601", "soon"])
def test_max_wait_s_is_bounded_as_in_the_config(server, tmp_path, bad):
    result = CliRunner().invoke(collect, _args(server, tmp_path, "--max-wait-s", bad))
    assert result.exit_code == 2 and "Invalid value for '--max-wait-s'" in result.output, result.output
    assert server.requests == []


def test_a_wait_past_the_default_fails_and_max_wait_s_raises_the_ceiling(server, tmp_path):
    server.route(BY_DATE, Reply(429, {}, {"Retry-After": "61"}), Reply(200, HITS))
    started = time.monotonic()
    refused = CliRunner().invoke(collect, _args(server, tmp_path))
    assert refused.exit_code == 1 and "max_wait_s of 60s" in refused.output, refused.output
    assert time.monotonic() - started < 30

    server.route(BY_DATE, Reply(429, {}, {"Retry-After": "2"}), Reply(200, HITS))
    assert CliRunner().invoke(collect, _args(server, tmp_path, "--max-wait-s", "1")).exit_code == 1
    server.route(BY_DATE, Reply(429, {}, {"Retry-After": "2"}), Reply(200, HITS))
    waited = CliRunner().invoke(collect, _args(server, tmp_path, "--max-wait-s", "3"))
    assert waited.exit_code == 0 and "1 mention(s)" in waited.output, waited.output


def test_a_replay_never_fails_on_a_recorded_wait(server, tmp_path):
    server.route(BY_DATE, Reply(200, HITS))
    tape = tmp_path / "hn.yaml"
    assert CliRunner().invoke(collect, _args(server, tmp_path, "--record", str(tape))).exit_code == 0
    # The recorded session as a rate-limited one: first a 429 asking for an hour, then the page.
    data = yaml.safe_load(tape.read_text())
    limited = copy.deepcopy(data["interactions"][0])
    limited["response"]["status"] = {"code": 429, "message": "Too Many Requests"}
    limited["response"]["headers"]["Retry-After"] = ["3600"]
    data["interactions"].insert(0, limited)
    tape.write_text(yaml.safe_dump(data))
    server.reset()

    started = time.monotonic()
    result = CliRunner().invoke(collect, _args(server, tmp_path, "--replay", str(tape)))
    assert result.exit_code == 0 and "1 mention(s)" in result.output, result.output
    assert time.monotonic() - started < 30 and server.requests == []
