"""What an incident tool needs of the webhook, against real local HTTP receivers and a real SQLite store: an
escalation under the same alert id is delivered once, with its own key; keys differ between installations; POSTs
can be signed and authorised; payloads say what they are; a dripping receiver or a slow queue holds no run."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import make_alert

import alerts.deliver as deliver_module
from alerts.channels import Report, sender_for
from alerts.config import WebhookChannel
from alerts.deliver import deliver
from alerts.install_id import install_id
from groundswell.config import Config, config_warnings
from indexing.sqlite import SqliteStore

DOCS = Path(__file__).resolve().parents[2] / "docs" / "alerts.md"


def hook(**kw) -> WebhookChannel:
    return WebhookChannel(type="webhook", url_env="HOOK", backoff_s=0.01, **kw)


def no_sleep(seconds: float) -> None:
    pass


def test_a_rise_in_severity_is_delivered_once_as_an_escalation(http_server, state):
    env = {"HOOK": http_server.url + "/hook"}
    warning = make_alert(severity="warning")
    critical = make_alert(severity="critical")
    assert warning.id == critical.id  # the unanswered-posts alert of the day, whose queue grew

    assert deliver([warning], [hook()], state, env).sent == 1
    rose = deliver([critical], [hook()], state, env)
    assert (rose.sent, rose.escalated, rose.already_sent) == (1, 1, 0)
    first, second = (p["json"] for p in http_server.on("/hook"))
    assert second["idempotency_key"] != first["idempotency_key"]  # a deduplicating receiver takes it
    assert second["escalation"] == {"rose_from": "warning", "severity": "critical", "updates": critical.id}
    assert "rose from warning to critical" in second["text"]
    assert first["escalation"] is None

    again = deliver([critical], [hook()], state, env)  # a re-run sends nothing new
    fell = deliver([warning], [hook()], state, env)  # nor does a fall
    assert (again.sent, again.already_sent, fell.sent, fell.already_sent) == (0, 1, 0, 1)
    assert len(http_server.on("/hook")) == 2


def test_an_escalation_that_failed_goes_with_the_next_run_with_the_same_key(http_server, state):
    env = {"HOOK": http_server.url + "/hook"}
    deliver([make_alert(severity="warning")], [hook()], state, env)
    http_server.plan["/hook"] = [500]
    failed = deliver([make_alert(severity="critical")], [hook(retries=0)], state, env)
    later = deliver([make_alert(severity="critical")], [hook()], state, env)
    assert (failed.failed, later.sent, later.escalated) == (1, 1, 1)
    tries = [p["json"]["idempotency_key"] for p in http_server.on("/hook")[1:]]
    assert len(tries) == 2 and tries[0] == tries[1]


def test_keys_differ_between_installs_and_stay_put_within_one(http_server, tmp_path):
    env = {"HOOK": http_server.url + "/hook"}
    hq_alert = make_alert(severity="critical")
    kr_alert = make_alert(severity="warning")  # another team's alert of the same brand and hour: the same id
    hq, kr = SqliteStore(str(tmp_path / "hq.db")), SqliteStore(str(tmp_path / "kr.db"))
    deliver([hq_alert], [hook()], hq, env)
    deliver([kr_alert], [hook()], kr, env)
    keys = [p["json"]["idempotency_key"] for p in http_server.on("/hook")]
    assert keys[0] != keys[1]

    # The same install, reopened (a restart) after a failed send: the re-send keeps its key.
    hq_id = install_id(hq)
    hq.close()
    http_server.plan["/hook"] = [500]
    reopened = SqliteStore(str(tmp_path / "hq.db"))
    assert install_id(reopened) == hq_id
    other = make_alert(hour=11)
    deliver([other], [hook(retries=0)], reopened, env)
    deliver([other], [hook()], reopened, env)
    resent = [p["json"]["idempotency_key"] for p in http_server.on("/hook")[2:]]
    assert len(resent) == 2 and resent[0] == resent[1]
    kr.close()
    reopened.close()


def _verify_snippet():
    """The verification snippet of docs/alerts.md, run as written."""
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(r"```python\n(# Verify a Groundswell webhook.*?)```", text, re.S)
    assert block, "docs/alerts.md lost its webhook verification snippet"
    scope: dict = {}
    exec(block.group(1), scope)  # noqa: S102 (the documented code itself)
    return scope["verify"]


def test_posts_are_signed_and_authorised_and_the_secrets_never_show(http_server, state, caplog):
    secret, token = "whsec-7f3a9c1e5b", "Bearer tok-91c2e7a4d0"
    env = {"HOOK": http_server.url + "/hook", "HOOK_SECRET": secret, "HOOK_AUTH": token}
    channel = hook(secret_env="HOOK_SECRET", auth_header_env="HOOK_AUTH")
    assert deliver([make_alert()], [channel], state, env).sent == 1
    assert http_server.on("/hook")[0]["headers"]["Authorization"] == token
    verify = _verify_snippet()
    raw = _raw_post(channel, state, env)  # the exact bytes signed
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", raw["header"])
    assert verify(secret, raw["header"], raw["body"])
    assert not verify("wrong-secret", raw["header"], raw["body"])
    assert not verify(secret, raw["header"], raw["body"] + b" ")

    missing = deliver([make_alert(hour=9)], [channel], state, {"HOOK": env["HOOK"]})
    assert missing.failed == 1 and "HOOK_SECRET is not set" in missing.channels["webhook"].errors[0]
    logged = caplog.text + json.dumps(missing.channels["webhook"].errors)
    assert secret not in logged and token not in logged


def _raw_post(channel: WebhookChannel, state: SqliteStore, env: dict) -> dict:
    """One alert sent to a receiver that keeps the exact bytes (the recording server parses them)."""
    got: dict = {}

    class Raw(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            got["body"] = self.rfile.read(int(self.headers["Content-Length"]))
            got["header"] = self.headers["X-Groundswell-Signature"]
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Raw)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/raw"
        deliver([make_alert(hour=12)], [channel], state, {**env, "HOOK": url})
    finally:
        server.shutdown()
        server.server_close()
    return got


def test_config_check_names_an_unset_secret_env():
    config = Config.model_validate({
        "brands": [{"name": "Acme", "query": "acme"}],
        "channels": [{"type": "webhook", "name": "pager", "url_env": "HOOK", "secret_env": "HOOK_SECRET",
                      "auth_header_env": "HOOK_AUTH"}],
    })  # fmt: skip
    warnings = config_warnings(config, {"HOOK": "http://x"})
    assert any("$HOOK_SECRET is not set (secret_env)" in w for w in warnings), warnings
    assert any("$HOOK_AUTH is not set (auth_header_env)" in w for w in warnings), warnings


def test_payloads_say_whether_they_are_an_alert_or_a_report(http_server, state):
    env = {"HOOK": http_server.url + "/hook"}
    deliver([make_alert()], [hook()], state, env)
    sender = sender_for(hook(), env, install=install_id(state))
    sender.send_report(Report(id="week:2026-W12", subject="Week 12", text="t", html="<p>t</p>", data={"period": "w"}))
    alert, report = (p["json"] for p in http_server.on("/hook"))
    assert (alert["type"], alert["schema_version"]) == ("alert", 1)
    assert (report["type"], report["schema_version"]) == ("report", 1)
    assert report["report"] == {"period": "w"} and alert["alert"]["id"] == make_alert().id


class _Drip(BaseHTTPRequestHandler):
    """200 at once, then its 10-byte body one byte every 0.5 s (the reviewer's `drip:10:0.5`)."""

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "10")
        self.end_headers()
        self.wfile.flush()
        try:
            for _ in range(10):
                time.sleep(0.5)
                self.wfile.write(b".")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what we want

    def log_message(self, *args: object) -> None:
        pass


def test_a_dripping_receiver_holds_a_send_no_longer_than_its_timeout(state):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Drip)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {"HOOK": f"http://127.0.0.1:{server.server_address[1]}/drip"}
    try:
        began = time.monotonic()
        report = deliver([make_alert()], [hook(timeout_s=1.0)], state, env, sleep=no_sleep)
        took = time.monotonic() - began
    finally:
        server.shutdown()
        server.server_close()
    assert report.sent == 1  # its 200 is the acceptance: the body is never needed
    assert took < 2.0, took  # 5 s of drip before


def test_a_run_stops_sending_at_its_deadline_and_the_next_run_sends_the_rest(http_server, state, monkeypatch):
    monkeypatch.setattr(deliver_module, "DELIVERY_DEADLINE_S", 1.0)
    http_server.plan["/hook"] = [{"status": 200, "delay": 0.4}] * 8
    env = {"HOOK": http_server.url + "/hook"}
    queue = [make_alert(hour=h) for h in range(8)]
    began = time.monotonic()
    first = deliver(queue, [hook()], state, env, sleep=no_sleep)
    took = time.monotonic() - began
    assert took < 2.5, took  # 3.2 s of answers before: no deadline
    assert first.sent >= 1 and first.failed == len(queue) - first.sent, first
    assert any("delivery deadline" in e for e in first.channels["webhook"].errors)
    sent = first.sent
    for _ in range(8):  # the next runs send what is left, nothing twice
        if sent == len(queue):
            break
        sent += deliver(queue, [hook()], state, env, sleep=no_sleep).sent
    assert sent == len(queue) == len(http_server.on("/hook"))


def test_every_alert_field_has_a_row_in_the_payload_table():
    from core.alert import Alert, DrivingPost, Shift  # lazy: only this test reads the models' fields

    text = DOCS.read_text(encoding="utf-8")
    table = text[text.index("### Webhook payloads"):text.index("### Webhook authenticity")]
    documented = set(re.findall(r"^\| `([a-z_\[\].]+)` \|", table, re.M))
    fields = {*Alert.model_fields, *(f"top_posts[].{f}" for f in DrivingPost.model_fields),
              *(f"shifts[].{f}" for f in Shift.model_fields)}
    assert fields - documented == set(), f"docs/alerts.md lacks a row for {sorted(fields - documented)}"
    assert documented - fields - {"type", "schema_version", "text", "competitor", "escalation", "idempotency_key",
                                  "alert", "report"} == set()
