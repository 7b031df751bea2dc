"""The Airflow connection `groundswell_elasticsearch` under the new connection settings (fixer es2, finding 6 of
the "des" review): its login and password reach `username_env`/`password_env`, and task logs show the cluster's
host while the credentials inside the URL stay masked, as on the CLI."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from core import logsafe
from indexing.config import ElasticsearchStoreConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "dags"))

pytestmark = pytest.mark.airflow
URL = "http://elastic:pw-es2,7781x@es-prod-01.internal:9200"


def _config(**store) -> SimpleNamespace:
    return SimpleNamespace(store=ElasticsearchStoreConfig(type="elasticsearch", **store))


def _conn(**fields) -> SimpleNamespace:
    base = {"conn_id": "groundswell_elasticsearch", "host": None, "port": None, "schema": None, "login": None,
            "password": None, "extra_dejson": {}}
    return SimpleNamespace(**{**base, **fields})


def test_login_and_password_reach_basic_auth_and_only_credentials_are_masked(airflow_home, monkeypatch):
    import airflow.sdk.log  # lazy: after airflow_home set AIRFLOW_HOME (conftest)
    import groundswell_common  # lazy: the DAG folder is put on sys.path above (as Airflow does)

    masked: list[str] = []
    monkeypatch.setattr(airflow.sdk.log, "mask_secret", lambda value, name=None: masked.append(value))
    monkeypatch.setattr(logsafe, "_known", {})
    monkeypatch.setattr(groundswell_common, "_connection",
                        lambda conn_id: _conn(host="es-prod-01.internal", port=9200, login="elastic",
                                              password="pw-es2-secret"))
    config = _config(url_env="ES2_URL", username_env="ES2_USER", password_env="ES2_PASS")
    env = groundswell_common.store_env(config)
    assert env == {"ES2_URL": "http://es-prod-01.internal:9200", "ES2_USER": "elastic",
                   "ES2_PASS": "pw-es2-secret"}

    env["ES2_URL"] = URL  # a URL with credentials inside (the connection's extra url)
    locators, plain = groundswell_common.store_env_kinds(config)
    with groundswell_common.exported_env(env, locators=locators, plain=plain):
        assert os.environ["ES2_USER"] == "elastic"
        said = logsafe.redact(f"cannot reach Elasticsearch at {URL} (elasticsearch said no; pw-es2-secret)")
    assert "ES2_USER" not in os.environ
    assert "es-prod-01.internal:9200" in said and "elasticsearch said" in said
    assert "pw-es2" not in said and "7781x" not in said
    assert URL not in masked and "http://es-prod-01.internal:9200" not in masked and "elastic" not in masked
    assert "pw-es2-secret" in masked and "pw-es2,7781x" in masked


def test_without_basic_auth_the_password_is_still_the_api_key(airflow_home, monkeypatch):
    import groundswell_common  # lazy: as above

    monkeypatch.setattr(groundswell_common, "_connection",
                        lambda conn_id: _conn(host="https://es.example.com:9243", login="ignored",
                                              password="key-es2-0001"))
    env = groundswell_common.store_env(_config(api_key_env="ES2_KEY"))
    assert env == {"GROUNDSWELL_ES_URL": "https://es.example.com:9243", "ES2_KEY": "key-es2-0001"}
