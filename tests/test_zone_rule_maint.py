"""One time zone rule (`core.time.check_zone`) for every zone a config, the CLI or the dashboard names.

A region alone (`Europe`, `Asia`) is a directory of the zone database: `ZoneInfo("Europe")` raises
IsADirectoryError, which the config's own checks did not catch, so `groundswell config check` printed
"Error: …/tzdata/zoneinfo/Europe: Is a directory" (no field, no line) and the digest DAG failed to parse.
"""

from __future__ import annotations

import pytest
from cli_config import write_config
from click.testing import CliRunner

from core.errors import ConfigError
from core.time import check_zone
from groundswell.cli import cli
from groundswell.digest_config import read_digest


@pytest.mark.parametrize("zone", ["Europe", "Asia", "Mars/Base", "europe/rome", "../etc/passwd", ""])
def test_a_region_or_unknown_name_is_no_zone(zone):
    with pytest.raises(ValueError, match="is not an IANA time zone: use a name such as Europe/Rome"):
        check_zone(zone)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Rome", "Asia/Seoul", "America/Argentina/Buenos_Aires", "Etc/GMT+5"])
def test_iana_names_are_zones(zone):
    assert check_zone(zone) == zone


def _yaml(tmp_path, body: str):
    path = tmp_path / "g.yaml"
    path.write_text("brands: [{name: Acme, query: acme}]\nsources: []\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("digest: {timezone: Europe}\n", "digest.timezone"),
        ("channels:\n  - type: console\n    quiet_hours: {start: '22:00', end: '07:00', timezone: Asia}\n",
         "quiet_hours.timezone"),
    ],
)
def test_config_check_names_the_field_and_line_of_a_region_zone(tmp_path, body, field):
    result = CliRunner().invoke(cli, ["config", "check", str(_yaml(tmp_path, body))])
    assert result.exit_code == 1, result.output
    assert "Is a directory" not in result.output and "Traceback" not in result.output
    (line,) = [line for line in result.output.splitlines() if field in line]
    assert "is not an IANA time zone" in line and "(line " in line


def test_the_digest_dags_parse_time_read_gives_the_config_error(tmp_path):
    # What dags/groundswell_common.digest_schedule runs when Airflow parses the digest DAG.
    with pytest.raises(ConfigError, match=r"digest\.timezone: 'Europe' is not an IANA time zone"):
        read_digest(_yaml(tmp_path, "digest: {timezone: Europe}\n"))


def test_collect_tz_takes_the_same_rule(tmp_path):
    config = write_config(tmp_path)  # only for its empty import file
    result = CliRunner().invoke(cli, ["collect", "--source", "import", "--query", "acme", "-o",
                                      f"path={config.parent / 'in.jsonl'}", "--out", str(tmp_path / "o.jsonl"),
                                      "--tz", "Europe"])
    assert result.exit_code == 2, result.output
    assert "'Europe' is not an IANA time zone" in result.output
