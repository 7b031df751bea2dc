"""The `digest` section of `groundswell.yaml`: when the daily digest runs.

Its own small module because the Airflow digest DAG reads it when the file is parsed: importing
`groundswell.config` there would load every layer's config and the alert-kind registry. `read_digest` reads the
section as `load_config` reads the file (the same loader and messages), the rest of the file unchecked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator

from core.errors import ConfigError
from core.strict import StrictModel as _Strict
from core.time import check_zone
from groundswell.config_errors import problems, report
from groundswell.config_yaml import read_yaml_lines


class DigestConfig(_Strict):
    """When the daily digest and the weekly / monthly reports run (the Airflow DAGs read this)."""

    time: str = Field(default="08:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM, 24-hour")
    timezone: str = "UTC"
    weekly: bool = Field(default=True, description="Send the weekly report (Mondays, for the week before)")
    monthly: bool = Field(default=True, description="Send the monthly report (on the 1st, for the month before)")
    baseline_weeks: int = Field(
        default=8, ge=4, le=8, description="Weeks before a report's period that make its baseline"
    )
    # `file` by default: a team that set `send_to` for its weekly report gets no new daily messages on upgrade.
    daily: Literal["file", "send"] = Field(
        default="file",
        description="The daily digest: 'file' writes digests/<day>.md/.json only, 'send' also sends it to send_to",
    )
    send_to: list[str] | None = Field(
        default=None,
        description="Channel names that receive the weekly/monthly reports (and the daily digest with daily: send); "
        "unset = every channel",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return check_zone(value)


def read_digest(path: Path) -> DigestConfig:
    """The `digest` section of the config file at `path` (defaults when it has none); ConfigError naming the field,
    its line and the fix otherwise, as `groundswell config check` says it (an unquoted `time: 8:00` is to be
    quoted). Only this section is validated: enough for a schedule, light enough for DAG parse time."""
    data, lines = read_yaml_lines(path)
    if data is None:
        return DigestConfig()  # an empty file: what the CLI says of it is for the tasks that load it all
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping with at least 'brands'")
    try:
        return DigestConfig.model_validate(data.get("digest", {}))
    except ValidationError as exc:
        raise report(str(path), problems(exc, data, lines, ("digest",))) from None
