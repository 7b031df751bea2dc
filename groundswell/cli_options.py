"""What every `groundswell` command that reads a config shares: the --config option and loading it."""

from __future__ import annotations

import os

import click

from core.logsafe import register_config_secrets
from groundswell.config import Config, ConfigError, load_config
from groundswell.targets import UnknownTarget, check_brand

config_option = click.option(
    "--config",
    "-c",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False),
    envvar="GROUNDSWELL_CONFIG",
    help="groundswell.yaml (or $GROUNDSWELL_CONFIG)",
)


def load_cli_config(path: str, brand: str | None = None) -> Config:
    """The config at `path`, or a one-line click error naming what is wrong (also when `brand` is given and is
    none of its brands: the error lists them); its secrets are masked in logs."""
    try:
        config = load_config(path)
        check_brand(config, brand)
    except (ConfigError, UnknownTarget) as exc:
        raise click.ClickException(str(exc)) from None
    register_config_secrets(config)  # the variables its *_env fields name are masked in logs
    return config


def login_name() -> str:
    """Who a change made from the command line is recorded as made by, when --by is not given: the login
    name, else "cli"."""
    return os.environ.get("USER") or os.environ.get("USERNAME") or "cli"
