"""The base of every config model: strict about keys and numbers, and `*_env` fields name variables."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

# What a `*_env` field holds: the NAME of an environment variable (POSIX portable name), never the secret.
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_env_name(field_name: str | None, value: Any) -> Any:
    """`value` if `field_name` does not end in `_env` or `value` names a variable; ValueError otherwise, never
    repeating the value: a URL, token or password pasted where its variable's name belongs would otherwise
    be quoted by warnings, logs and errors as "variable ... is not set"."""
    if field_name and field_name.endswith("_env") and isinstance(value, str) and not ENV_NAME.fullmatch(value):
        raise ValueError(
            "must NAME an environment variable (letters, digits and _, not starting with a digit), "
            "e.g. SLACK_WEBHOOK_URL or SMTP_PASSWORD; put the secret itself (URL, token, password) in that "
            "variable, not here"
        )
    return value


class StrictModel(BaseModel):
    """Unknown keys are errors; .inf/.nan (or the strings "inf"/"nan") are never a usable number; every
    `*_env` field names an environment variable (`check_env_name`)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*")
    @classmethod
    def _env_names_a_variable(cls, value: Any, info: ValidationInfo) -> Any:
        return check_env_name(info.field_name, value)
