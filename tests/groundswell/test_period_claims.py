"""Two overlapping period-report runs (the weekly DAG and a person's `groundswell report week --send`) send the
report to each channel once: a run claims it (`claim:report:<channel>:<period id>`) before sending, and skips a
channel another live run holds (`in_flight`). Threads, each with its own SQLite store on one file; a real HTTP
receiver on 127.0.0.1."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from groundswell.period_delivery import claim_key, report_key, send_report
from groundswell.period_report import build_period_report
from indexing.sqlite import SqliteStore
from tests.alerts.conftest import http_server  # noqa: F401 (fixture)
from tests.groundswell.test_period_report import WEEK, _config


def _setup(tmp_path):
    hook = {"type": "webhook", "retries": 0, "backoff_s": 0}
    channels = [{**hook, "name": "pr", "url_env": "PR"}, {**hook, "name": "ops", "url_env": "OPS"}]
    config = _config(tmp_path, channels=channels)
    path = tmp_path / "g.db"
    store = SqliteStore(path)
    return config, path, build_period_report(config, store, WEEK), store


def test_two_runs_sending_the_same_report_at_once_send_it_once_per_channel(tmp_path, http_server):  # noqa: F811
    config, path, report, store = _setup(tmp_path)
    env = {"PR": http_server.url + "/pr", "OPS": http_server.url + "/ops"}
    for channel in ("/pr", "/ops"):
        http_server.plan[channel] = [{"status": 200, "delay": 0.5}] * 2  # slow: the runs overlap
    barrier, results, errors = threading.Barrier(2), [], []

    def run() -> None:
        own = SqliteStore(path)  # each run its own connection, as two processes would have
        try:
            barrier.wait()
            results.append(send_report(report, config.channels, own, env))
        except BaseException as exc:
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(http_server.on("/pr")) == 1 and len(http_server.on("/ops")) == 1
    assert sum(r.sent for r in results) == 2 and sum(r.failed for r in results) == 0
    assert all(r.sent + r.in_flight + r.already_sent == 2 for r in results)
    assert store.state_items("claim:") == {}
    assert all(store.get_state(report_key(c, WEEK.id)) for c in ("pr", "ops"))
    store.close()


def test_an_expired_report_claim_is_taken_over_and_a_live_one_left_alone(tmp_path, http_server):  # noqa: F811
    config, _, report, store = _setup(tmp_path)
    env = {"PR": http_server.url + "/pr", "OPS": http_server.url + "/ops"}
    now = datetime.now(UTC)
    store.claim(claim_key("pr", WEEK.id), "crashed-run", now - timedelta(seconds=1))
    store.claim(claim_key("ops", WEEK.id), "live-run", now + timedelta(hours=1))

    result = send_report(report, config.channels, store, env)

    assert len(http_server.on("/pr")) == 1 and http_server.on("/ops") == []
    assert (result.sent, result.in_flight, result.failed) == (1, 1, 0)
    assert store.get_state(report_key("ops", WEEK.id)) is None
    store.close()
