"""Secrets never reach the logs, even at -vv where tweepy and urllib3 log every request.

Real libraries, real debug logging, a real HTTP server on 127.0.0.1 standing in for the
X API and for a Slack webhook; each run in a fresh process so the CLI installs its
logging exactly as in production. The secret must reach the server (so it really was in
play) and must not appear in anything the process printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.logsafe import MASK, redact, register_secret

ROOT = Path(__file__).resolve().parents[1]
# Shaped like an X app bearer token (URL-encoded characters included); not a real one.
BEARER = "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0"
SLACK_PATH = "/services/T0GS12345/B0GS67890/hV3ryS3cr3tW3bh00kPathX1"


@pytest.fixture
def server() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A local server answering like an empty X search and like Slack; records what it received."""
    received: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            received.append({"path": self.path, "authorization": self.headers.get("authorization", "")})
            body = json.dumps({"meta": {"result_count": 0}}).encode() if self.path.startswith("/2/") else b"ok"
            self.send_response(200)
            self.send_header("content-type", "application/json" if self.path.startswith("/2/") else "text/plain")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:  # keep the test's own output quiet
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    thread.join(timeout=10)


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(args, env=full_env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_x_bearer_token_is_not_logged_by_tweepy_or_urllib3_at_vv(server, tmp_path):
    base, received = server
    config = tmp_path / "groundswell.yaml"
    config.write_text(
        "brands:\n  - name: Lumora\n    query: Lumora\n"
        "sources:\n  - type: x\n    options:\n"
        f"      bearer_token_env: GS_TEST_XB\n      api_base_url: {base}\n      max_pages: 1\n"
        f"store:\n  type: sqlite\n  path: {tmp_path / 'gs.db'}\n",
        encoding="utf-8",
    )
    # GS_TEST_XB does not look like a secret by name: only the config's *_env field marks it as one.
    result = _run(
        [sys.executable, "-m", "groundswell.cli", "-vv", "ingest", "-c", str(config), "--no-progress"],
        {"GS_TEST_XB": BEARER},
        tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert received and received[0]["authorization"] == f"Bearer {BEARER}"  # the secret was sent
    assert "Making API request" in output and "/2/tweets/search/recent" in output  # tweepy + urllib3 at debug
    assert "Authorization" in output and MASK in output
    for form in (BEARER, BEARER[:24], BEARER.replace("%2B", "+").replace("%3D", "=")):
        assert form not in output


_WEBHOOK_SCRIPT = """
import os
from datetime import datetime, timedelta
from alerts.channels.webhook import WebhookSender
from alerts.config import WebhookChannel
from core.alert import Alert
from groundswell.config import parse_config
from core.logsafe import configure_logging, register_config_secrets

configure_logging(2)
config = parse_config({"brands": [{"name": "Lumora", "query": "Lumora"}],
                       "channels": [{"type": "slack", "url_env": "GS_TEST_HOOK"}]})
register_config_secrets(config)
start = datetime(2026, 11, 20, 14)
alert = Alert(brand="Lumora", window_start=start, window_end=start + timedelta(hours=1), observed=30,
              expected=2.5, statistic="poisson", score=12.0, summary="test")
WebhookSender(config.channels[0], os.environ).send(alert)
import logging
logging.getLogger("check").debug("delivered to %s", os.environ["GS_TEST_HOOK"])
"""


def test_slack_webhook_path_is_not_logged_by_urllib3_at_vv(server, tmp_path):
    base, received = server
    hook = base + SLACK_PATH
    result = _run([sys.executable, "-c", _WEBHOOK_SCRIPT], {"GS_TEST_HOOK": hook}, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert received and received[0]["path"] == SLACK_PATH  # delivered to the secret path
    assert '"POST ' in output and "delivered to" in output  # urllib3's request line and our own line
    assert "hV3ryS3cr3tW3bh00kPathX1" not in output and SLACK_PATH not in output and hook not in output


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("Headers: {'Authorization': 'Bearer abc.def-123'}", "abc.def-123"),
        ("authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
        ("POST https://hooks.slack.com/services/T1/B2/zzzSECRETzzz", "zzzSECRETzzz"),
        ('"POST /services/T01ABC/B02DEF/zzzSECRETzzz HTTP/1.1" 200', "zzzSECRETzzz"),
        ("https://acme.webhook.office.com/webhookb2/g1@g2/IncomingWebhook/x/zzzSECRETzzz", "zzzSECRETzzz"),
        ("https://x.logic.azure.com/workflows/1/triggers/manual/paths/invoke?sv=1.0&sig=zzzSECRETzzz", "zzzSECRETzzz"),
        ("connecting to https://elastic:zzzSECRETzzz@es.internal:9200", "zzzSECRETzzz"),
        ("GET /api/export?token=zzzSECRETzzz&q=battery", "zzzSECRETzzz"),
        ("login failed: password=zzzSECRETzzz", "zzzSECRETzzz"),
    ],
)
def test_secret_shapes_are_masked(line, secret):
    masked = redact(line)
    assert secret not in masked and MASK in masked


def test_registered_secrets_are_masked_raw_and_url_encoded():
    register_secret("pa ss/wörd-0123")
    assert redact("sent pa ss/wörd-0123 and pa%20ss%2Fw%C3%B6rd-0123") == f"sent {MASK} and {MASK}"
    # A form encoder's '+' for the space, lower-case hex inside a multi-byte character.
    assert redact("body=pa+ss/w%c3%b6rd-0123&x=1") == f"body={MASK}&x=1"
    assert redact("Bearer token expired; sort key=created_at") == "Bearer token expired; sort key=created_at"


def test_urls_in_messages_lose_their_credentials_only():
    from core.logsafe import without_credentials

    assert without_credentials("https://elastic:pw@es.example.com:9200/x?y=1") == "https://es.example.com:9200/x?y=1"
    assert without_credentials("http://127.0.0.1:5601") == "http://127.0.0.1:5601"
    assert "pw" not in without_credentials("http://user:pw@[::1")  # unparsable: nothing of it shown raw


@pytest.mark.parametrize("name", ["key", "Key", "apikey", "api_key", "access_token", "sig", "X-Amz-Signature"])
def test_urls_in_messages_mask_secret_query_parameters_and_known_secrets(name):
    """One list of secret-looking parameter names (core.logsafe.SECRET_PARAMS) for log lines, messages and
    recordings; the other parameters, the host and the path stay readable."""
    from core.logsafe import is_secret_param, without_credentials

    url = f"https://elastic:pw-123456@es.example.com:9200/espath?{name}=QUERYSECRET42&user=me#top"
    assert without_credentials(url) == f"https://es.example.com:9200/espath?{name}={MASK}&user=me#top"
    assert is_secret_param(name) and not is_secret_param("user")
    register_secret("KnownP4thSecret")
    assert without_credentials("http://127.0.0.1:9200/KnownP4thSecret/") == f"http://127.0.0.1:9200/{MASK}/"


@pytest.mark.parametrize(("line", "secret"), [
    ("https://elastic:p@ssw0rd!@es.example.com:9200/", "ssw0rd"),  # a raw '@' inside the password
    ('{"password": "hunter22", "user": "bob"}', "hunter22"),  # JSON
    ("{'client_secret': 'abcdef123', 'x': 1}", "abcdef123"),  # a dict's repr
    ('{"access_token": 1234567890123}', "1234567890123"),  # a bare value
    ('{"password": "correct horse battery staple"}', "horse battery"),  # a passphrase, whole
    ("{'client_secret': 'abc,def'}", "def"),
])
def test_secret_shapes_beyond_name_equals_value_are_masked(line, secret):
    assert secret not in redact(line) and MASK in redact(line)


def test_a_known_secret_is_masked_in_either_case_of_url_encoding():
    register_secret("s3cr3t+tok/en")
    assert redact("sent s3cr3t%2btok%2fen and s3cr3t%2Btok%2Fen") == f"sent {MASK} and {MASK}"
    # A secret of undecodable bytes (os.environ holds them as lone surrogates) is registered, not a crash.
    register_secret("tok\udcffen-123")
    assert redact("sent tok\udcffen-123 and tok%FFen-123") == f"sent {MASK} and {MASK}"
    register_secret("tok\ud800en-456")
    assert redact("sent tok\ud800en-456") == f"sent {MASK}"
    # Mixed case in one string, and an encoder that keeps '/' (or '+') raw.
    assert redact("sent s3cr3t%2btok%2Fen, s3cr3t%2Btok/en, s3cr3t+tok%2fen") == f"sent {MASK}, {MASK}, {MASK}"
    assert redact("password reset flow; the token expired") == "password reset flow; the token expired"
    # Messages that name a secret are not secrets: the fix they give must stay readable.
    assert redact("X needs a bearer token: set $X_BEARER_TOKEN") == "X needs a bearer token: set $X_BEARER_TOKEN"
