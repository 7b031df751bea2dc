"""What every `groundswell` command that reads a config shares: the --config option and loading it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from core.logsafe import register_config_secrets
from groundswell.config import Config, ConfigError, load_config
from groundswell.targets import UnknownTarget, check_brand
from indexing.config import SqliteStoreConfig

# ctx.meta key (meta is shared by a command's context and its group's): the paths the running command writes.
_OUTPUTS = "groundswell.outputs"

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
    # What any command may write for this config: the report, and an embedded store's file (made on first open).
    declare_output(config.report.path, fallback=True)
    if isinstance(config.store, SqliteStoreConfig):
        declare_output(config.store.path, fallback=True)
    return config


def declare_output(path: str | os.PathLike[str], *, fallback: bool = False) -> None:
    """Note a path the running command writes (a file, or a folder it writes into), so that an OSError on
    it, or on a folder above it, ends the command as one `cannot write PATH: reason` line (`output_path`).
    `fallback`: the config's own outputs, which the paths a command names itself (--out) go before."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    outputs = ctx.meta.setdefault(_OUTPUTS, [])
    outputs.insert(0 if fallback else len(outputs), os.fspath(path))  # as given: the message shows it so


def output_path(exc: OSError) -> str | None:
    """The declared output `exc` is about: the output itself, or the one a folder above could not be made for
    (the latest declared, a `fallback` last); else the file it names under a declared folder. None when it
    is about no declared output: the caller cannot say it was being written."""
    ctx = click.get_current_context(silent=True)
    if exc.filename is None or ctx is None:
        return None
    failed = Path(os.path.abspath(os.fsdecode(exc.filename)))
    declared = [(path, Path(os.path.abspath(path))) for path in reversed(ctx.meta.get(_OUTPUTS, []))]
    for path, absolute in declared:
        if absolute == failed or failed in absolute.parents:
            return path
    if any(absolute in failed.parents for _, absolute in declared):
        return os.fsdecode(exc.filename)
    return None


class OutputPath(click.Path):
    """A file option the command writes: declared (`declare_output`) as it is parsed."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("dir_okay", False)
        super().__init__(**kwargs)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = super().convert(value, param, ctx)
        if not (self.allow_dash and path == "-"):  # '-' is stdout
            declare_output(path)
        return path


def login_name() -> str:
    """Who a change made from the command line is recorded as made by, when --by is not given: the login
    name, else "cli"."""
    return os.environ.get("USER") or os.environ.get("USERNAME") or "cli"
