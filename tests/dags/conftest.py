"""Real Airflow for the DAG tests: one temp AIRFLOW_HOME with a SQLite metadata DB per session.

Airflow reads its configuration when `airflow` is first imported, so the
environment is set before anything imports it, and the DB is migrated by the real
`airflow db migrate` command. Pools come from dags/groundswell_pools.json through
`airflow pools import`, the way docs/airflow.md tells operators to create them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
POOLS_FILE = DAGS / "groundswell_pools.json"
AIRFLOW_BIN = Path(sys.executable).with_name("airflow")


def airflow_env(home: Path) -> dict[str, str]:
    """Environment for a throwaway Airflow: its own home and SQLite DB, our dags folder, no examples."""
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        # No secrets in tests come from anywhere but the env vars the tests set.
        "AIRFLOW__SECRETS__BACKEND": "",
    }


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated Airflow metadata DB with the Groundswell pools; env set for this process too."""
    if "airflow" in sys.modules:
        pytest.fail("airflow was imported before the airflow_home fixture set AIRFLOW_HOME; import it lazily")
    home = tmp_path_factory.mktemp("airflow_home")
    env = airflow_env(home)
    os.environ.update(env)
    started = time.monotonic()
    for cmd in (["db", "migrate"], ["pools", "import", str(POOLS_FILE)]):
        done = subprocess.run([str(AIRFLOW_BIN), *cmd], env={**os.environ, **env}, capture_output=True, text=True)
        assert done.returncode == 0, f"airflow {' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    print(f"airflow db migrate + pools import: {time.monotonic() - started:.1f}s")
    return home


@pytest.fixture(scope="session")
def dagbag(airflow_home: Path):
    """Every DAG file parsed the way the DAG processor does (bundle path on sys.path)."""
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(dag_folder=str(DAGS), bundle_path=str(DAGS), bundle_name="dags-folder")
