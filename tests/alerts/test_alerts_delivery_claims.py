"""Overlapping deliveries (the alerts DAG and a person's `groundswell detect --send`) send each alert to a channel
once: a run claims an alert before sending it (`StateStore.claim`), skips what another live run holds (counted
`in_flight`), and takes over a claim a crashed run left once it expired.
Real processes, a real SQLite store and a real HTTP receiver on 127.0.0.1; no mocks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import make_alert

from alerts.config import WebhookChannel
from alerts.deliver import MAX_RUN_WAIT_S, DeliveryLedger, claim_key, claim_ttl, deliver, sent_key
from core.state import claim_value
from indexing.sqlite import SqliteStore

WORKER = Path(__file__).with_name("deliver_worker.py")


def _hook(**kw) -> WebhookChannel:
    return WebhookChannel(type="webhook", name="hook", url_env="HOOK", **kw)


def test_two_processes_delivering_the_same_alerts_at_once_post_each_alert_once(http_server, tmp_path):
    count = 8
    path = tmp_path / "g.db"
    SqliteStore(path).close()  # the schema, before both workers open it
    http_server.plan["/hook"] = [{"status": 200, "delay": 0.15}] * (2 * count)  # a slow receiver: the runs overlap
    start = time.time() + 3  # both processes are up and have imported everything by then
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(path), http_server.url + "/hook", str(count), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    reports = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))

    posted = Counter(r["json"]["alert"]["id"] for r in http_server.on("/hook"))
    assert posted == Counter({make_alert(hour=h).id: 1 for h in range(count)})  # every alert, each exactly once
    assert sum(r["sent"] for r in reports) == count and all(r["failed"] == 0 for r in reports)
    # What one run did not send, the other held (in flight elsewhere) or had already recorded.
    assert all(r["sent"] + r["in_flight"] + r["already_sent"] == count for r in reports)
    assert sum(r["in_flight"] for r in reports) > 0  # they did overlap
    store = SqliteStore(path)
    assert store.state_items("claim:") == {}  # every claim released once recorded
    assert all(store.get_state(sent_key("hook", make_alert(hour=h).id)) for h in range(count))
    store.close()


def test_an_expired_claim_is_taken_over_and_a_live_one_is_left_to_its_run(http_server, state):
    crashed, live = make_alert(hour=15), make_alert(hour=18)
    now = datetime.now(UTC)
    assert state.claim(claim_key("hook", crashed.id), "crashed-run", now - timedelta(seconds=1))
    assert state.claim(claim_key("hook", live.id), "live-run", now + timedelta(hours=1))
    env = {"HOOK": http_server.url + "/hook"}

    report = deliver([crashed, live], [_hook()], state, env)

    assert [r["json"]["alert"]["id"] for r in http_server.on("/hook")] == [crashed.id]
    assert (report.sent, report.in_flight, report.failed, report.already_sent) == (1, 1, 0, 0)
    assert report.channels["hook"].in_flight == 1
    assert state.get_state(claim_key("hook", crashed.id)) is None  # released once recorded
    assert state.get_state(sent_key("hook", live.id)) is None  # not ours to record
    # Once the live run lets go without recording it (its send failed), the next run sends it.
    assert state.release(claim_key("hook", live.id), "live-run")
    again = deliver([crashed, live], [_hook()], state, env)
    assert (again.sent, again.already_sent, again.in_flight) == (1, 1, 0)
    assert [r["json"]["alert"]["id"] for r in http_server.on("/hook")] == [crashed.id, live.id]


def test_a_failed_alert_releases_its_claim_for_the_next_run(http_server, state):
    alert = make_alert()
    http_server.plan["/hook"] = [400]
    report = deliver([alert], [_hook()], state, {"HOOK": http_server.url + "/hook"})
    assert report.failed == 1 and state.state_items("claim:") == {}


def test_a_claim_outlives_every_try_and_wait_of_its_run():
    channel = _hook(retries=3, timeout_s=10)
    # Four tries, each two network waits of 10 s; all the run's retry waiting; the ledger write.
    assert claim_ttl(channel) == timedelta(seconds=4 * 2 * 10 + MAX_RUN_WAIT_S + 30)


def test_pruning_drops_expired_claims_and_keeps_live_ones(state):
    now = datetime.now(UTC)
    state.claim("claim:alert:hook:old", "crashed-run", now - timedelta(minutes=1))
    state.claim("claim:report:hook:week:2026-W47", "crashed-run", now - timedelta(minutes=1))
    state.claim("claim:alert:hook:new", "live-run", now + timedelta(hours=1))
    assert DeliveryLedger.prune(state, now - timedelta(days=30), now) == 2
    assert list(state.state_items("claim:")) == ["claim:alert:hook:new"]


def test_a_claim_lost_while_waiting_for_a_retry_is_left_to_the_run_that_took_it(http_server, state):
    """A run renews its claim before each retry: if its claim lapsed during the wait and another run took the alert
    over, it does not send it again (that run does)."""
    alert = make_alert()
    http_server.plan["/hook"] = [503]

    def wait(seconds: float) -> None:  # meanwhile the claim lapsed and another run took the alert over
        later = datetime.now(UTC) + timedelta(hours=1)
        state.set_state(claim_key("hook", alert.id), claim_value("other-run", later))

    report = deliver([alert], [_hook(retries=2, backoff_s=1)], state, {"HOOK": http_server.url + "/hook"}, sleep=wait)

    assert len(http_server.on("/hook")) == 1  # the first try only
    assert (report.sent, report.failed, report.in_flight) == (0, 0, 1)


def test_a_killed_run_s_claim_does_not_hold_its_alert_back_from_the_rerun(http_server, state):
    # Found by killing `groundswell run` mid-delivery: its claims stayed until they expired (minutes), so a rerun
    # straight away counted the alert "in flight", sent nothing and exited 0. A claim of a process of this host
    # that no longer runs is free; another host's, or a live process's, still holds.
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)  # exited: its pid names no process now (a reused pid would read as alive)
    killed, elsewhere, alive = make_alert(hour=15), make_alert(hour=16), make_alert(hour=17)
    until = datetime.now(UTC) + timedelta(hours=1)
    assert state.claim(claim_key("hook", killed.id), f"{socket.gethostname()}:{dead_pid}:run1", until)
    assert state.claim(claim_key("hook", elsewhere.id), f"other-host-{socket.gethostname()}:{dead_pid}:run2", until)
    assert state.claim(claim_key("hook", alive.id), f"{socket.gethostname()}:{os.getppid()}:run3", until)

    report = deliver([killed, elsewhere, alive], [_hook()], state, {"HOOK": http_server.url + "/hook"})

    assert [r["json"]["alert"]["id"] for r in http_server.on("/hook")] == [killed.id]
    assert (report.sent, report.in_flight) == (1, 2)
