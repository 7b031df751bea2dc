"""Under real Airflow (dag.test()): a collect task whose every failed source hit its wait ceiling
(`sources[].max_wait_s`) fails on its first try, not retried, naming when the limit resets: a retry 1-8 minutes
later meets the same limit and would hold ingest (max_active_runs=1). Any other failure keeps Airflow's retries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from .conftest import QuietHandler, configure_sources, local_http, run_dag
from .corpus import T0

pytestmark = pytest.mark.airflow


@pytest.fixture
def api():
    """/limited/… answers 429 with Retry-After of an hour; /denied/… answers 403. Counts requests per prefix."""
    hits = {"limited": 0, "denied": 0}

    class Handler(QuietHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            prefix = self.path.strip("/").split("/", 1)[0]
            hits[prefix] = hits.get(prefix, 0) + 1
            limited = prefix == "limited"
            self.reply(429 if limited else 403, b'{"message": "no"}', {"Retry-After": "3600"} if limited else None)

    with local_http(Handler) as url:
        yield url, hits


def _tries(run, task_id: str) -> dict[int, int]:
    return {ti.map_index: ti.try_number for ti in run.get_task_instances() if ti.task_id == task_id}


def _hn(name: str, base: str) -> dict:
    return {"type": "hackernews", "name": name, "options": {"base_url": base, "max_pages": 1}}


def test_a_rate_limited_source_fails_once_naming_the_reset(dagbag, airflow_home, api, tmp_path, monkeypatch, capfd):
    base, hits = api
    configure_sources(tmp_path, monkeypatch, [_hn("hn_limited", f"{base}/limited")])
    capfd.readouterr()
    run, states = run_dag(dagbag, "groundswell_ingest", T0 + timedelta(hours=3))
    out, err = capfd.readouterr()

    assert states[("collect_hackernews", 0)] == "failed", states
    assert _tries(run, "collect_hackernews") == {0: 1}  # AirflowFailException: not retried
    assert hits["limited"] == 1
    assert "rate limited until " in out + err and "not retried" in out + err


def test_other_failures_keep_their_retries(dagbag, airflow_home, api, tmp_path, monkeypatch):
    base, hits = api
    configure_sources(tmp_path, monkeypatch, [_hn("hn_limited", f"{base}/limited"), _hn("hn_denied", f"{base}/denied")])
    run, states = run_dag(dagbag, "groundswell_ingest", T0 + timedelta(hours=3))

    tries = _tries(run, "collect_hackernews")
    assert all(states[("collect_hackernews", i)] == "failed" for i in tries), states
    # The 403 task is retried (the tests cap retries at one); the rate-limited one is not.
    assert sorted(tries.values()) == [1, 2], tries
    assert hits["denied"] == 2 and hits["limited"] == 1
