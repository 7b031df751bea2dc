"""One list of credential headers (`core.logsafe.SECRET_HEADERS`) for log lines and recorded HTTP sessions.

`groundswell collect --record` kept `Api-Key`, `X-Auth-Token` and `Proxy-Authorization` values that the log
redactor masks: its own list had four names, the redactor's six (and not the same ones).
"""

from __future__ import annotations

import json
import secrets

import pytest
from click.testing import CliRunner
from extractor_support import Reply

from core.logsafe import MASK, SECRET_HEADERS, is_secret_header, redact
from extractors.cli import collect

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><guid>e1</guid><title>acme news</title><pubDate>Mon, 02 Jun 2025 10:00:00 GMT</pubDate></item>
</channel></rss>"""


@pytest.mark.parametrize("name", sorted(SECRET_HEADERS))
def test_every_secret_header_is_masked_in_log_lines_whatever_its_case(name):
    value = "v-" + secrets.token_hex(8)
    for spelled in (name, name.upper(), name.title()):
        assert is_secret_header(spelled)
        assert redact(f"{spelled}: {value}") == f"{spelled}: {MASK}"
        assert value not in redact(repr({spelled: value}))


def test_a_recorded_session_keeps_none_of_the_headers_logs_mask(server, tmp_path):
    sent = {"Api-Key": "ak-", "X-Auth-Token": "at-", "Proxy-Authorization": "pa-", "X-Csrf-Token": "ct-",
            "Set-Cookie": "sc-"}
    sent = {name: prefix + secrets.token_hex(8) for name, prefix in sent.items()}
    server.route("/feed.rss", Reply(200, FEED, {"Content-Type": "application/rss+xml", "X-Plain": "kept", **sent}))
    tape = tmp_path / "rec.yaml"
    args = ["--source", "rss", "--query", "acme", "-o", f'urls=["{server.base}/feed.rss"]']
    first = CliRunner().invoke(collect, [*args, "--out", str(tmp_path / "a.jsonl"), "--record", str(tape)])
    assert first.exit_code == 0, first.output
    text = tape.read_text()
    assert [name for name, value in sent.items() if value in text] == []
    assert "X-Plain" in text and "kept" in text  # other headers stay: the recording is still a faithful one

    server.reset()  # offline: the replay answers from the recording alone
    second = CliRunner().invoke(collect, [*args, "--out", str(tmp_path / "b.jsonl"), "--replay", str(tape)])
    assert second.exit_code == 0, second.output
    ids = [[json.loads(line)["id"] for line in (tmp_path / f).read_text().splitlines()] for f in ("a.jsonl", "b.jsonl")]
    assert ids[0] == ids[1] and len(ids[0]) == 1
