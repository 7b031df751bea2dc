"""An Elasticsearch node that drops packets instead of refusing fails within `store.timeout_s`, with the one-line
`StoreUnavailable`, and a timeout later in a run reads as a lost store (exit 6), not a bug's traceback.

The real client against two local black holes (`bench/es_black_hole.py`): a listener that accepts and never answers
(the read timeout), and one whose full accept queue makes the kernel drop SYNs (the connect timeout). Before, the
first took 180 s (3 x 30 s on each of two setup calls) and ended in a raw `ConnectionTimeout`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from groundswell.config import parse_config
from groundswell.pipeline import open_store
from groundswell.store_lost import is_unreachable
from indexing.base import StoreUnavailable

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from es_black_hole import _silent_listener, _syn_dropper  # noqa: E402


def _config(port: int, timeout_s: float):
    return parse_config({"brands": [{"name": "B", "query": "B"}],
                         "store": {"type": "elasticsearch", "url": f"http://127.0.0.1:{port}", "timeout_s": timeout_s}})


@pytest.mark.parametrize("hole", [_silent_listener, _syn_dropper], ids=["read", "connect"])
def test_a_black_hole_fails_within_the_timeout_with_one_clear_line(hole):
    holders, port = hole()
    try:
        started = time.monotonic()
        unreachable = r"cannot reach Elasticsearch at http://127\.0\.0\.1:\d+ \(timed out\)"
        with pytest.raises(StoreUnavailable, match=unreachable):
            open_store(_config(port, 1.0))
        assert time.monotonic() - started < 4  # one timed-out call, not retried: ~1 s
    finally:
        for sock in holders if isinstance(holders, list) else [holders]:
            sock.close()


def test_a_timeout_mid_run_is_a_lost_store():
    from elasticsearch import Elasticsearch

    server, port = _silent_listener()
    client = Elasticsearch(f"http://127.0.0.1:{port}", request_timeout=0.5, max_retries=0)
    try:
        with pytest.raises(Exception) as caught:
            client.info()
        assert is_unreachable(caught.value), type(caught.value)  # `run_once` turns it into StoreLost, exit 6
    finally:
        client.close()
        server.close()


def test_the_timeout_is_a_validated_store_option():
    default = parse_config({"brands": [{"name": "B", "query": "B"}], "store": {"type": "elasticsearch"}})
    assert default.store.timeout_s == 10
    with pytest.raises(Exception, match="timeout_s"):
        _config(9200, 0)
