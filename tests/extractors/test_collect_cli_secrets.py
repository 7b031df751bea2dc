"""`groundswell collect` masks the secrets its source options name, like every other command.

It builds the source's options from `--option` instead of loading a config, so it must
register those options' `*_env` variables itself (groundswell/cli.py does it for configs).
"""

from __future__ import annotations

import json
import secrets

import pytest
from click.testing import CliRunner
from extractor_support import Reply

from core.logsafe import MASK, redact
from extractors.cli import collect


def test_the_variable_a_source_option_names_is_masked_in_logs(server, tmp_path, monkeypatch):
    # A name that does not look secret, so only the option naming it can tell the masker.
    token = "xtok-" + secrets.token_hex(12)
    monkeypatch.setenv("GS_TEST_X_APP_KEY", token)
    assert redact(f"sent {token}") == f"sent {token}"  # unknown before the command runs
    result = CliRunner().invoke(
        collect,
        [
            "--source", "x", "--query", "acme", "--out", str(tmp_path / "o.jsonl"),
            "-o", "bearer_token_env=GS_TEST_X_APP_KEY", "-o", f"api_base_url={server.base}", "-o", "max_pages=1",
        ],
    )  # fmt: skip
    assert result.exit_code == 1, result.output  # the test server knows no X route: a clean source error
    assert token not in result.output
    assert redact(f"sent {token}") == f"sent {MASK}"


def test_printed_source_errors_are_redacted_like_log_lines(capsys):
    """`groundswell collect` prints the report's errors with click.echo, past the logs' RedactingFilter."""
    from groundswell.cli import EXIT_PARTIAL, _exit_for

    errors = {
        "rss/acme": "rss https://feeds.example/private.atom?token=ghp_S3cr3tT0kenValue: not authorised (403)",
        "hn/acme": "hackernews: unexpected response",
    }
    with pytest.raises(SystemExit) as exited:
        _exit_for(errors, attempted=3, deadletter=0)
    assert exited.value.code == EXIT_PARTIAL
    err = capsys.readouterr().err
    assert "S3cr3t" not in err
    assert f"rss/acme: {redact(errors['rss/acme'])}" in err and f"token={MASK}" in err
    assert "hn/acme: hackernews: unexpected response" in err


def test_the_printed_run_summary_is_masked_and_stays_json(capsys):
    """The summary's `source_errors` and `skipped_reasons` are printed to stdout, past the log filter too."""
    import json

    from groundswell.cli import _emit

    _emit({"source_errors": {"rss/acme": "rss https://f.example/a?token=ghp_S3cr3tT0kenValue: gone (410)",
                             "hn/acme": 'rejected (400): {"url": "https://h.example/?access_token=tok123456"}'},
           "skipped_reasons": ['x item 1: {"Authorization": "Bearer abcdef123456"}']})
    out = capsys.readouterr().out
    assert "S3cr3t" not in out and "abcdef123456" not in out and "tok123456" not in out
    summary = json.loads(out)  # a mask next to an escaped quote must not break the line
    assert summary["source_errors"]["rss/acme"].endswith("gone (410)")


def test_a_recorded_session_keeps_no_oauth_token_and_still_replays(server, tmp_path, monkeypatch):
    """`--record` makes a cassette to attach to bug reports. Reddit's app-only login answers with a live access
    token in the JSON body, which vcrpy's header and parameter filters never see: it was kept as sent."""
    live = {"access_token": "live-" + secrets.token_hex(8), "refresh_token": "rt-" + secrets.token_hex(8),
            "id_token": "it-" + secrets.token_hex(8), "token_type": "bearer", "expires_in": 86400, "scope": "*"}
    server.route("/api/v1/access_token", Reply(200, live, {"X-Api-Key": "hk-" + secrets.token_hex(8)}))
    listing = {"kind": "Listing", "data": {"after": None, "children": [{"kind": "t3", "data": {
        "name": "t3_a", "id": "a", "title": "acme news", "selftext": "", "created_utc": 1_700_000_000.0,
        "permalink": "/r/all/comments/a/", "subreddit": "all", "author": "ann", "score": 1}}]}}
    server.route("/r/all/new", Reply(200, listing))
    monkeypatch.setenv("REDDIT_CLIENT_ID", "cid-" + secrets.token_hex(4))
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "cs-" + secrets.token_hex(8))
    tape = tmp_path / "reddit.yaml"
    args = ["--source", "reddit", "--query", "acme", "-o", "mode=new",
            "-o", f"reddit_url={server.base}", "-o", f"oauth_url={server.base}"]  # fmt: skip
    first = CliRunner().invoke(collect, [*args, "--out", str(tmp_path / "a.jsonl"), "--record", str(tape)])
    assert first.exit_code == 0, first.output
    text = tape.read_text()
    assert not [key for key, value in live.items() if key.endswith("token") and value in text]
    assert "hk-" not in text and "FILTERED" in text and '"token_type": "bearer"' in text

    server.reset()  # offline: the filtered token is never sent anywhere
    second = CliRunner().invoke(collect, [*args, "--out", str(tmp_path / "b.jsonl"), "--replay", str(tape)])
    assert second.exit_code == 0, second.output
    ids = [[json.loads(line)["id"] for line in (tmp_path / f).read_text().splitlines()] for f in ("a.jsonl", "b.jsonl")]
    assert ids == [["reddit:t3_a"], ["reddit:t3_a"]]


FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><guid>e2</guid><title>acme news</title><pubDate>Mon, 02 Jun 2025 10:00:00 GMT</pubDate></item>
<item><guid>e1</guid><title>acme old news</title><pubDate>Sun, 01 Jun 2025 10:00:00 GMT</pubDate></item>
</channel></rss>"""


def test_a_private_feeds_token_is_not_printed_nor_written_and_the_printed_cursor_resumes(server, tmp_path):
    """The cursor `collect` prints names each feed as messages do (no query); it was keyed by the full URL."""
    server.route("/feed.rss", Reply(200, FEED, {"Content-Type": "application/rss+xml"}))
    token = "ghp_" + secrets.token_hex(12)
    args = ["--source", "rss", "--query", "acme", "-o", f'urls=["{server.base}/feed.rss?token={token}"]']
    first = CliRunner().invoke(collect, [*args, "--out", str(tmp_path / "a.jsonl")])
    assert first.exit_code == 0, first.output
    assert token not in first.output and token not in (tmp_path / "a.jsonl").read_text()
    (printed,) = [line.removeprefix("cursor: ") for line in first.output.splitlines() if line.startswith("cursor: ")]
    # Per feed: the newest time read and the ids read at it (extractors/rss.py).
    times = {url: value["at"] for url, value in json.loads(printed).items()}
    assert times == {f"{server.base}/feed.rss": "2025-06-02T10:00:00+00:00"}

    newer = "<item><guid>e3</guid><title>acme newer</title><pubDate>Mon, 02 Jun 2025 11:00:00 GMT</pubDate></item>"
    later = FEED.replace("<item>", newer + "<item>", 1)
    server.route("/feed.rss", Reply(200, later, {"Content-Type": "application/rss+xml"}))
    again = CliRunner().invoke(collect, [*args, "--out", str(tmp_path / "b.jsonl"), "--cursor", printed])
    assert again.exit_code == 0, again.output
    # Resumed: only the entry after the cursor (the one at its time was read, and is listed in it).
    assert [json.loads(line)["text"] for line in (tmp_path / "b.jsonl").read_text().splitlines()] == ["acme newer"]


@pytest.mark.parametrize("param", ["key", "Key", "apikey", "sig"])
def test_a_recorded_session_keeps_no_secret_query_parameter_and_still_replays(server, tmp_path, param):
    """A recording is for bug reports: a private feed's `key=` (any name of core.logsafe.SECRET_PARAMS, any
    case) is left out of the recorded URI, the other parameters stay, and the replay still matches it."""
    server.route("/feed.xml", Reply(200, FEED, {"Content-Type": "application/rss+xml"}))
    key = "FEEDKEY" + secrets.token_hex(8)
    tape = tmp_path / "rec.yaml"
    args = ["--source", "rss", "--query", "acme", "-o", f'urls=["{server.base}/feed.xml?{param}={key}&user=me"]']
    first = CliRunner().invoke(collect, [*args, "--out", str(tmp_path / "a.jsonl"), "--record", str(tape)])
    assert first.exit_code == 0, first.output
    text = tape.read_text()
    assert key not in text and "user=me" in text and f"{param}=" not in text

    server.reset()  # offline: the replay answers from the recording alone
    second = CliRunner().invoke(collect, [*args, "--out", str(tmp_path / "b.jsonl"), "--replay", str(tape)])
    assert second.exit_code == 0, second.output
    texts = [[json.loads(line)["text"] for line in (tmp_path / f).read_text().splitlines()]
             for f in ("a.jsonl", "b.jsonl")]
    assert texts[0] == texts[1] and "acme news" in texts[0]


def test_an_option_that_is_no_yaml_is_a_usage_error_that_does_not_echo_it(tmp_path):
    # Unquoted, `?token=` breaks YAML's flow list: yaml.safe_load raised, and its message quotes the value.
    token = "ghp_" + secrets.token_hex(12)
    result = CliRunner().invoke(
        collect,
        ["--source", "rss", "--query", "acme", "--out", str(tmp_path / "o.jsonl"),
         "-o", f"urls=[https://feeds.example/f.rss?token={token}]"],
    )  # fmt: skip
    assert result.exit_code == 2 and "urls: the value is not valid YAML" in result.output
    assert token not in result.output and "feeds.example" not in result.output
