"""One reading of --since/--until for every command, the dashboard and the DAG params (`core.time.parse_moment`).

`groundswell collect` and the DAGs' `param_time` had their own parsers: a date was UTC midnight there and midnight
in digest.timezone everywhere else, so `collect --since 2026-11-10` and `ingest --since 2026-11-10` (or the
re-enrich DAG and `store re-enrich`) covered different windows; the DAGs also refused a lowercase "z".
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from cli_config import write_config
from click.testing import CliRunner

from core.time import moment_utc, parse_moment
from dashboards.web.params import parse_time
from groundswell.cli import cli
from groundswell.cli_options import Moment, team_moment
from groundswell.config import load_config

DAGS = Path(__file__).resolve().parents[1] / "dags"
BERLIN = "Europe/Berlin"
# Midnight of 2026-11-10 in Berlin (CET, +01:00) is 2026-11-09T23:00Z.
BERLIN_MIDNIGHT = datetime(2026, 11, 9, 23, tzinfo=UTC)
SPELLINGS = {
    "2026-11-10": None,  # a date: the zone decides
    " 2026-11-10T09:00:00Z ": datetime(2026, 11, 10, 9, tzinfo=UTC),
    "2026-11-10T09:00:00z": datetime(2026, 11, 10, 9, tzinfo=UTC),
    "2026-11-10T09:00:00": datetime(2026, 11, 10, 9, tzinfo=UTC),  # naive is UTC
    "2026-11-10T18:00:00+09:00": datetime(2026, 11, 10, 9, tzinfo=UTC),
    "2026-11-10T18:00:00 09:00": datetime(2026, 11, 10, 9, tzinfo=UTC),  # a "+" a URL or CSV turned into a space
}


@pytest.fixture
def groundswell_common(monkeypatch):
    """dags/groundswell_common.py, imported as Airflow's DAG processor does (it imports no Airflow at top level)."""
    monkeypatch.syspath_prepend(str(DAGS))
    sys.modules.pop("groundswell_common", None)
    import groundswell_common

    return groundswell_common


def _team_config(tmp_path):
    return load_config(write_config(tmp_path, digest={"timezone": BERLIN}))


@pytest.mark.parametrize("text", list(SPELLINGS))
def test_cli_dashboard_and_dag_params_read_every_spelling_alike(tmp_path, groundswell_common, text):
    config = _team_config(tmp_path)
    expected = SPELLINGS[text] or BERLIN_MIDNIGHT
    cli_moment = team_moment(Moment().convert(text, None, None), config)  # ingest, run, store re-enrich, alerts list
    assert cli_moment == expected
    assert parse_time(text, "since", BERLIN) == expected  # the dashboard's since=
    assert groundswell_common.param_time(text, BERLIN) == expected  # the backfill and re-enrich DAG params
    assert moment_utc(parse_moment(text), BERLIN) == expected


def test_a_dag_param_date_is_a_local_day_and_a_bad_one_names_itself(groundswell_common):
    assert groundswell_common.param_time("2026-11-10") == datetime(2026, 11, 10, tzinfo=UTC)  # no zone given: UTC
    with pytest.raises(ValueError, match="'last tuesday' is not a date"):
        groundswell_common.param_time("last tuesday", BERLIN)
    params = {"start": "2026-11-10", "end": "yesterday"}
    assert groundswell_common.required_param_time(params, "start", BERLIN) == BERLIN_MIDNIGHT
    with pytest.raises(ValueError, match="param 'end' is not an ISO 8601 date-time"):
        groundswell_common.required_param_time(params, "end", BERLIN)


def test_the_dag_param_descriptions_state_the_rule(groundswell_common):
    assert "a date is that day in the config's digest.timezone" in groundswell_common.PARAM_MOMENT
    assert "a date-time is UTC unless it names an offset" in groundswell_common.PARAM_MOMENT


def _export(tmp_path) -> Path:
    """Three posts: just after Berlin's midnight starting 2026-11-10 (still 11-09 in UTC), midday, and just after
    Berlin's midnight starting 11-11."""
    path = tmp_path / "m.jsonl"
    rows = [("1", "2026-11-09T23:30:00Z"), ("2", "2026-11-10T12:00:00Z"), ("3", "2026-11-10T23:30:00Z")]
    path.write_text("".join(json.dumps({"native_id": n, "text": "Acme news", "created_at": at}) + "\n"
                            for n, at in rows), encoding="utf-8")
    return path


def _collected(tmp_path, *args: str) -> list[str]:
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["collect", "--source", "import", "--query", "acme", "-o",
                                      f"path={_export(tmp_path)}", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line)["native_id"] for line in out.read_text().splitlines()]


def test_collect_reads_a_date_in_its_tz_as_ingest_reads_it_in_digest_timezone(tmp_path):
    window = ["--since", "2026-11-10", "--until", "2026-11-11"]
    # Without --tz the day is UTC's, as its help says: the post at 00:30 Berlin time is the day before.
    assert _collected(tmp_path, *window) == ["2", "3"]
    # With the team's zone it is the day `ingest --since 2026-11-10 --until 2026-11-11` reads (team_moment).
    assert _collected(tmp_path, *window, "--tz", BERLIN) == ["1", "2"]
    config = _team_config(tmp_path)
    ingest_window = [team_moment(Moment().convert(v, None, None), config) for v in ("2026-11-10", "2026-11-11")]
    assert ingest_window == [BERLIN_MIDNIGHT, datetime(2026, 11, 10, 23, tzinfo=UTC)]


def test_collect_takes_the_spellings_the_other_commands_take(tmp_path):
    # A lowercase "z" and an offset whose "+" became a space were "not an ISO date/time" to collect only.
    assert _collected(tmp_path, "--since", "2026-11-10T00:00:00z", "--until", "2026-11-11T00:00:00 01:00") == ["2"]
    result = CliRunner().invoke(cli, ["collect", "--source", "import", "--query", "acme", "-o",
                                      f"path={_export(tmp_path)}", "--out", str(tmp_path / "o.jsonl"),
                                      "--since", "last tuesday"])
    assert result.exit_code == 2 and "'last tuesday' is not a date" in result.output


def test_the_moment_type_fails_as_a_usage_error():
    with pytest.raises(click.BadParameter, match="is not a date"):
        Moment().convert("2026-13-01", None, None)
