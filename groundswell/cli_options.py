"""What every `groundswell` command that reads a config shares: the --config option and loading it."""

from __future__ import annotations

import getpass
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from core.logsafe import register_config_secrets
from core.time import MOMENT_RULE as TIME_MOMENT_RULE
from core.time import as_utc, moment_utc, parse_moment
from groundswell.config import Config, ConfigError, load_config
from groundswell.targets import UnknownTarget, check_brand
from indexing.config import SqliteStoreConfig

# ctx.meta key (meta is shared by a command's context and its group's): the paths the running command writes.
_OUTPUTS = "groundswell.outputs"

CONFIG_HELP = "groundswell.yaml (or $GROUNDSWELL_CONFIG)"


def _config_option(required: bool) -> Any:
    return click.option("--config", "-c", "config_path", required=required, type=click.Path(dir_okay=False),
                        envvar="GROUNDSWELL_CONFIG", help=CONFIG_HELP)


config_option = _config_option(required=True)
# `config check`, whose config may also be its positional PATH (`config_path_of` picks one).
optional_config_option = _config_option(required=False)

# Every `--csv FILE` the CLI writes goes through groundswell/csv_file.py: the dashboard's ⬇ CSV file, BOM included.
bom_option = click.option(
    "--bom/--no-bom",
    default=True,
    show_default=True,
    help="Start the --csv file with the UTF-8 byte-order mark, as the dashboard's ⬇ CSV does: Excel needs it to read "
    "Korean, Chinese or Russian (--no-bom for scripts)",
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


def config_path_of(path: str | None, option: str | None) -> str:
    """The config a command with both a positional PATH and -c/--config reads: PATH, else -c, else
    $GROUNDSWELL_CONFIG (click has put it in `option`); a usage error when none is given, or when PATH and a typed
    -c disagree. $GROUNDSWELL_CONFIG never conflicts with PATH: it is exported for every other command, and
    `config check NEW.yaml` must check NEW.yaml (click fills `option` from it, so its source tells them apart)."""
    ctx = click.get_current_context(silent=True)
    typed = ctx is None or ctx.get_parameter_source("config_path") is ParameterSource.COMMANDLINE
    if path and option and typed and os.path.abspath(path) != os.path.abspath(option):
        raise click.UsageError(f"two configs given: {path} and -c/--config {option}: give one")
    if not (path or option):
        raise click.UsageError("no config: give its PATH, -c/--config PATH, or set $GROUNDSWELL_CONFIG")
    return path or option  # type: ignore[return-value]


# What --by records when it is not given (`login_name`): the help of every --by says it in these words.
BY_DEFAULT = ('the login name (getpass.getuser(): $LOGNAME, $USER, $LNAME or $USERNAME, else the account name of '
              'this user id), or "cli" when there is none')


def login_name() -> str:
    """Who a change made from the command line is recorded as made by, when --by is not given (`BY_DEFAULT`):
    the login name, else "cli" (a container user with no name in the password database and no $USER)."""
    try:
        return getpass.getuser() or "cli"
    except (KeyError, OSError):  # no variable set and no passwd entry for this uid (a bare container)
        return "cli"


# How every --since/--until reads its value, said in each one's help: the dashboard's rule (its `since`/`until`),
# `core.time.parse_moment`'s, with a date in the team's zone.
MOMENT_RULE = TIME_MOMENT_RULE.format(zone="digest.timezone")


class Moment(click.ParamType):
    """A --since/--until value: a `date` (YYYY-MM-DD, a local day: `team_moment` places it in the team's zone once
    the config is read) or an aware UTC datetime (ISO 8601; naive is UTC, an offset is kept exact)."""

    name = "DATE|DATETIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date | datetime:
        if isinstance(value, date):  # a default, or a test's value, already parsed
            return as_utc(value) if isinstance(value, datetime) else value
        try:
            return parse_moment(str(value))
        except (ValueError, OverflowError):
            self.fail(f"{value!r} is not a date: use 2026-11-02 (that day in digest.timezone) or an ISO 8601 "
                      "date-time such as 2026-11-02T09:00:00+09:00", param, ctx)


def moment_option(name: str, what: str) -> Any:
    """A --since or --until option read by `Moment`, its help naming the zone rule."""
    return click.option(name, type=Moment(), help=f"{what}: {MOMENT_RULE}")


def team_zone(config: Config) -> str:
    """The IANA zone whose days the team reads: digest.timezone, the zone of the digest, the reports and the
    dashboard's default (UTC without one)."""
    return config.digest.timezone


def team_moment(value: date | datetime | None, config: Config) -> datetime | None:
    """A `Moment` as a UTC datetime: a date is its midnight in `team_zone(config)`, a date-time stays as given."""
    return None if value is None else moment_utc(value, team_zone(config))
