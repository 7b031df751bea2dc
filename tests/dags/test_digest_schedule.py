"""The digest and report DAGs read `digest: {time, timezone}` when Airflow parses them, through the loader
`groundswell config check` uses: an unquoted `time: 8:00` (YAML 1.1 reads it as 480) fails the parse with the
CLI's own message, the field, its line and the fix, never pydantic's bare "Input should be a valid string".
Each parse is real Airflow's (BundleDagBag) in a fresh interpreter, as the DAG processor reads
$GROUNDSWELL_CONFIG when it imports the file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DAGS, airflow_env

pytestmark = pytest.mark.airflow

PROBE = """
import json, sys
from airflow.dag_processing.dagbag import BundleDagBag

bag = BundleDagBag(dag_folder=sys.argv[1], bundle_path=sys.argv[2], bundle_name="dags-folder")
schedules = {i: f"{d.timetable.expression} {d.timetable.timezone}" for i, d in bag.dags.items()}
print(json.dumps({"errors": [str(e) for e in bag.import_errors.values()], "schedules": schedules}))
"""
CONFIG = "brands: [{name: A, query: a}]\ndigest:\n  timezone: Europe/Rome\n  time: {time}\n"
HINT = 'digest.time: YAML reads 8:00 without quotes as the number 480: write it in quotes: time: "08:00" (line 4)'


def _parse(airflow_home: Path, dag_file: str, config: Path) -> dict:
    """The DAGs `dag_file` defines and its import errors, parsed with GROUNDSWELL_CONFIG=`config`."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(DAGS / dag_file), str(DAGS)],
        env={**airflow_env(airflow_home), "PATH": "/usr/bin:/bin", "GROUNDSWELL_CONFIG": str(config)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _config(tmp_path: Path, time: str) -> Path:
    path = tmp_path / "groundswell.yaml"
    path.write_text(CONFIG.replace("{time}", time), encoding="utf-8")
    return path


@pytest.mark.parametrize("dag_file", ["groundswell_digest.py", "groundswell_reports.py"])
def test_an_unquoted_digest_time_fails_the_parse_with_the_clis_hint(airflow_home, tmp_path, dag_file):
    parsed = _parse(airflow_home, dag_file, _config(tmp_path, "8:00"))
    assert parsed["schedules"] == {}
    (error,) = parsed["errors"]
    assert f"{tmp_path / 'groundswell.yaml'}: invalid configuration (1 problem(s))\n  - {HINT}" in error
    assert "Input should be a valid string" not in error
    # The CLI says the same of the same file: the rule lives in one place (groundswell/config_errors.hint).
    cli = subprocess.run([str(Path(sys.executable).parent / "groundswell"), "config", "check",
                          str(tmp_path / "groundswell.yaml")], capture_output=True, text=True, timeout=120)
    assert cli.returncode == 1 and f"  - {HINT}" in cli.stdout + cli.stderr


def test_a_quoted_digest_time_schedules_the_digest_and_the_reports(airflow_home, tmp_path):
    config = _config(tmp_path, '"07:30"')
    assert _parse(airflow_home, "groundswell_digest.py", config) == {
        "errors": [], "schedules": {"groundswell_digest": "30 7 * * * Europe/Rome"}}
    assert _parse(airflow_home, "groundswell_reports.py", config) == {
        "errors": [],
        "schedules": {"groundswell_weekly_report": "30 7 * * 1 Europe/Rome",
                      "groundswell_monthly_report": "30 7 1 * * Europe/Rome"},
    }
