"""`groundswell alerts mute / unmute / mutes` and `route.exclude_brands` (alerts/mute.py, alerts/routing.py,
groundswell/alerts_cli.py): a brand silenced for a while from the command line, checked against the config, shown by
`alerts routes` as "muted" until when, still listed by `alerts list`, and a brand left out of a channel for good by
its route. Before, neither existed (fatigue review, finding 6). Real embedded store, the real CLI, real delivery
(`pipeline.notify`) to a real webhook on a local HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from alerts.history import save_alerts
from alerts.routing import RouteRule, routes
from core.alert import Alert
from core.errors import ConfigError
from groundswell import pipeline
from groundswell.cli import cli
from groundswell.config import load_config, parse_config
from indexing.sqlite import SqliteStore

HOUR = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)  # the commands read the wall clock


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.server.received.append((self.path, body["alert"]["id"]))  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _alert(brand: str, hours_ago: int, severity: str = "warning") -> Alert:
    end = HOUR - timedelta(hours=hours_ago)
    alert = Alert(kind="spike", brand=brand, severity=severity, window_start=end - timedelta(hours=1), window_end=end,
                  observed=31, expected=3.2, statistic="negative_binomial", score=11.2, decided_at=end)
    return alert.model_copy(update={"incident_id": alert.id})


def _config(tmp_path: Path, hook: ThreadingHTTPServer, monkeypatch, route: dict | None = None) -> Path:
    monkeypatch.setenv("GS_MUTE_HOOK", f"http://127.0.0.1:{hook.server_address[1]}/team")
    (tmp_path / "in.jsonl").write_text("", encoding="utf-8")
    channel = {"type": "webhook", "name": "team", "url_env": "GS_MUTE_HOOK", "backoff_s": 0.01}
    path = tmp_path / "g.yaml"
    path.write_text(json.dumps({
        "brands": [{"name": "Acme", "query": "acme"}, {"name": "Globex", "query": "globex"}],
        "sources": [{"type": "import", "options": {"path": str(tmp_path / "in.jsonl")}}],
        "store": {"path": str(tmp_path / "g.db")},
        "channels": [channel | ({"route": route} if route else {}), {"type": "console", "name": "desk"}],
    }), encoding="utf-8")
    return path


def _cli(*args: str):
    return CliRunner().invoke(cli, ["alerts", *args])


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_mute_holds_a_brand_everywhere_and_routes_lists_and_unmute_say_so(tmp_path, hook, monkeypatch):
    path = _config(tmp_path, hook, monkeypatch)
    noisy, other = _alert("Acme", 1), _alert("Globex", 1)
    store = SqliteStore(tmp_path / "g.db")
    save_alerts(store, [noisy, other])
    store.close()

    muted = _cli("mute", "Acme", "--for", "6h", "--note", "false spikes", "--by", "ana", "-c", str(path))

    assert muted.exit_code == 0, muted.output
    [line] = _lines(muted.stdout)
    assert (line["brand"], line["channel"], line["by"], line["note"]) == ("Acme", "*", "ana", "false spikes")
    until = datetime.fromisoformat(line["until"])
    assert timedelta(hours=5, minutes=59) < until - datetime.now(UTC) <= timedelta(hours=6)
    assert "critical alerts still go" in muted.stderr
    assert [m["brand"] for m in _lines(_cli("mutes", "-c", str(path)).output)] == ["Acme"]

    routed = {r["alert"]: r["channels"] for r in _lines(_cli("routes", "-c", str(path)).output)}
    for channel in ("team", "desk"):
        held = routed[noisy.id][channel]
        assert held["ledger"] == "muted" and held["gets"] is False
        assert held["reason"].startswith("muted until") and held["reason"].endswith("by ana: false spikes")
        assert datetime.fromisoformat(held["until"]) == until
        assert routed[other.id][channel]["ledger"] == "pending"

    config, store = load_config(path), SqliteStore(tmp_path / "g.db")
    report = pipeline.notify(config, store, [noisy, other])
    store.close()
    assert hook.received == [("/team", other.id)]  # a real POST for Globex only
    assert report.routed_out == 2
    listed = _lines(_cli("list", "-c", str(path)).output)  # still stored and shown
    assert {row["alert"] for row in listed} >= {noisy.id, other.id}

    ended = _cli("unmute", "Acme", "--by", "bo", "-c", str(path))
    assert ended.exit_code == 0 and _lines(ended.stdout)[0]["ended_by"] == "bo"
    assert _lines(_cli("mutes", "-c", str(path)).output) == []
    kept = _lines(_cli("mutes", "--all", "-c", str(path)).output)
    assert [(m["brand"], m["in_force"]) for m in kept] == [("Acme", False)]
    after = {r["alert"]: r["channels"] for r in _lines(_cli("routes", "-c", str(path)).output)}
    assert after[noisy.id]["team"]["ledger"] == "muted" and "until" not in after[noisy.id]["team"]  # held for good
    assert "no mute in force" in _cli("unmute", "Acme", "-c", str(path)).stderr


def test_mute_checks_the_brand_the_channels_and_the_length(tmp_path, hook, monkeypatch):
    path = _config(tmp_path, hook, monkeypatch)

    unknown = _cli("mute", "Acne", "--for", "1h", "-c", str(path))
    assert unknown.exit_code == 1 and "unknown brand 'Acne'; the config has: Acme, Globex" in unknown.output
    channel = _cli("mute", "Acme", "--channel", "teams", "-c", str(path))
    assert channel.exit_code == 2 and "unknown channel 'teams'; the config has: team, desk" in channel.output
    both = _cli("mute", "Acme", "--for", "1h", "--until", "2099-01-01", "-c", str(path))
    assert both.exit_code == 2 and "not both" in both.output
    past = _cli("mute", "Acme", "--until", "2020-01-01T00:00:00Z", "-c", str(path))
    assert past.exit_code == 2 and "not after now" in past.output
    long = _cli("mute", "Acme", "--for", "5w", "-c", str(path))
    assert long.exit_code == 2 and "at most 30 days" in long.output
    assert _cli("unmute", "Nope", "-c", str(path)).exit_code == 1
    wordy = _cli("mute", "Acme", "--note", "x" * 501, "-c", str(path))
    assert wordy.exit_code == 2 and "at most 500" in wordy.output

    default = _cli("mute", "Acme", "--channel", "desk", "--include-critical", "-c", str(path))
    assert default.exit_code == 0, default.output
    [line] = _lines(default.stdout)
    assert line["channel"] == "desk" and line["include_critical"] is True
    assert timedelta(hours=23, minutes=59) < datetime.fromisoformat(line["until"]) - datetime.now(UTC)
    assert "critical alerts held too" in default.stderr


def test_route_exclude_brands_leaves_a_brand_out_for_good(tmp_path, hook, monkeypatch):
    path = _config(tmp_path, hook, monkeypatch, route={"exclude_brands": ["acme"]})  # case-insensitive
    config, store = load_config(path), SqliteStore(tmp_path / "g.db")
    acme, globex = _alert("Acme", 1, "critical"), _alert("Globex", 1)
    save_alerts(store, [acme, globex])

    report = pipeline.notify(config, store, [acme, globex])
    store.close()

    assert hook.received == [("/team", globex.id)]
    assert report.channels["team"].routed == [f"{acme.id}: brand Acme in route.exclude_brands"]
    routed = {r["alert"]: r["channels"]["team"] for r in _lines(_cli("routes", "-c", str(path)).output)}
    assert routed[acme.id] == {"gets": False, "reason": "brand Acme in route.exclude_brands", "ledger": "routed out"}
    both = RouteRule(brands=["Acme", "Globex"], exclude_brands=["Globex"])
    assert routes(_alert("Acme", 1), both).sent and not routes(_alert("Globex", 1), both).sent
    with pytest.raises(ConfigError, match=r"route\.exclude_brands: unknown brand 'Acmee'"):
        parse_config({"brands": [{"name": "Acme", "query": "acme"}],
                      "channels": [{"type": "console", "route": {"exclude_brands": ["Acmee"]}}]})
