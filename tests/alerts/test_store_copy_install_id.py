"""`store copy` never carries the source's install id (`install:id`): a staging copy of production made one
receiver drop staging's alerts as repeats of production's (equal idempotency keys). The target gets its own id, or
keeps the one it has; the ledger is copied, so nothing is sent again. Real SQLite stores, real delivery to a real
local webhook receiver."""

from __future__ import annotations

from conftest import make_alert

from alerts.config import WebhookChannel
from alerts.deliver import deliver
from alerts.install_id import INSTALL_KEY, install_id
from groundswell.store_copy import copy_store
from indexing.sqlite import SqliteStore


def _copy(source: SqliteStore, target: SqliteStore):
    return copy_store(source, target, source_name="sqlite prod", target_name="sqlite staging")


def test_a_copy_gets_its_own_install_id_and_sends_nothing_again(tmp_path, http_server):
    prod, staging = SqliteStore(tmp_path / "prod.db"), SqliteStore(tmp_path / "staging.db")
    channel = WebhookChannel(type="webhook", url_env="HOOK", backoff_s=0.01)
    env = {"HOOK": http_server.url + "/hook"}
    assert deliver([make_alert()], [channel], prod, env).sent == 1
    report = _copy(prod, staging)
    assert report.complete
    assert install_id(staging) != install_id(prod)  # was equal: the key was copied
    assert staging.get_state(INSTALL_KEY) is not None  # made by the copy, not left to the first delivery
    assert deliver([make_alert()], [channel], staging, env).already_sent == 1  # the ledger came along
    deliver([make_alert(hour=9)], [channel], prod, env)
    deliver([make_alert(hour=9)], [channel], staging, env)
    keys = [post["json"]["idempotency_key"] for post in http_server.on("/hook")]
    assert len(keys) == 3 and keys[1] != keys[2]  # one alert id, two installs: two keys
    ours = install_id(staging)
    assert _copy(prod, staging).complete and install_id(staging) == ours  # a target keeps the id it has

