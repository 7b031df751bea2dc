"""What the Groundswell DAG files share: config lookup, store handling, credentials, defaults.

This module is imported when Airflow parses the DAG files, so at top level it only
touches the standard library and `airflow.sdk` (lazy). Groundswell itself (pydantic
config, stores, extractors, NLP) is imported inside the functions, which run inside
tasks. It is listed in `.airflowignore`: it defines no DAG.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Airflow hands tasks pendulum DateTimes; tasks give the library plain UTC ones (naive = UTC).
from core.time import MOMENT_RULE, moment_utc, parse_moment, plain_utc
from extractors.registry import EXTRACTORS, get_extractor_class

if TYPE_CHECKING:
    from groundswell.config import Config
    from indexing.base import Store

CONFIG_VARIABLE = "groundswell_config"
CONFIG_ENV = "GROUNDSWELL_CONFIG"
MENTIONS_URI = "groundswell://mentions"  # emitted when new mentions land; schedules enrich
ENRICHED_URI = "groundswell://mentions/enriched"
START_DATE = datetime(2026, 1, 1, tzinfo=UTC)
TAGS = ["groundswell"]
# How a date param (since/until, start/end) is read, for its description: as the CLI's --since/--until.
PARAM_MOMENT = MOMENT_RULE.format(zone="the config's digest.timezone")

# Retries for anything that talks to a network: 1, 2, 4, 8 min (capped at 30), so a
# rate-limited API gets room to recover instead of being hammered every minute.
DEFAULT_ARGS: dict[str, Any] = {
    "owner": "groundswell",
    "retries": 4,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=30),
}

# An extractor lists in `needs_credentials` the options naming the env vars it reads
# (e.g. X: bearer_token_env -> X_BEARER_TOKEN). The connection's fields fill them in
# this order: one credential = password; two = login, password. A connection's extra
# may also carry {"env": {"VAR": "value"}} for anything else.
CONNECTION_FIELDS_BY_COUNT: dict[int, tuple[str, ...]] = {1: ("password",), 2: ("login", "password")}


def digest_schedule(config_path: str | None) -> tuple[str, str]:
    """(HH:MM, IANA timezone) from the config's digest section; defaults when no config is reachable.

    The digest and the weekly/monthly report DAGs run at this time (read when the file is parsed). A bad time or
    timezone fails parsing with the message `groundswell config check` gives (the same loader: an unquoted
    `time: 8:00` says to quote it)."""
    from groundswell.digest_config import DigestConfig, read_digest  # lazy: light (pydantic, PyYAML); only here

    if config_path and os.path.isfile(config_path):
        digest = read_digest(Path(config_path))
    else:
        digest = DigestConfig()
    return digest.time, digest.timezone


def cron_at(hh_mm: str, days: str = "* * *") -> str:
    """A cron expression firing at HH:MM on `days` (day-of-month month day-of-week; default every day)."""
    hour, minute = (int(part) for part in hh_mm.split(":"))
    return f"{minute} {hour} {days}"


def pool_name(source_type: str) -> str:
    """One Airflow pool per source type, so one rate-limited API is never hit by many workers."""
    return f"groundswell_{source_type}"


def source_types() -> list[str]:
    """Every source type Groundswell knows (the registry is a plain dict: no client is imported)."""
    return sorted(EXTRACTORS)


def config_path() -> str:
    """The config file path: Airflow Variable `groundswell_config`, else env `GROUNDSWELL_CONFIG`."""
    from airflow.sdk import Variable

    path = Variable.get(CONFIG_VARIABLE, default=None) or os.environ.get(CONFIG_ENV)
    if not path:
        raise RuntimeError(
            f"no Groundswell config: set the Airflow Variable '{CONFIG_VARIABLE}' or the environment "
            f"variable {CONFIG_ENV} to the path of groundswell.yaml"
        )
    return path


def load_config() -> Config:
    from groundswell.config import load_config as _load  # lazy: DAG parse skips every layer's config

    return _load(config_path())


@contextmanager
def opened_store(config: Config) -> Iterator[Store]:
    """The store the config names, with its credentials exported, closed afterwards."""
    from groundswell import pipeline  # lazy: DAG files parse without the pipeline (test_dagbag)

    locators, plain = store_env_kinds(config)
    with exported_env(store_env(config), locators=locators, plain=plain):
        store = pipeline.open_store(config)
        try:
            yield store
        finally:
            store.close()


def param_time(value: str | None, tz: str = "UTC") -> datetime | None:
    """A DAG param's moment as UTC, read as every `groundswell` --since/--until is (`core.time.parse_moment`,
    PARAM_MOMENT): a date is its midnight in `tz` (pass the config's digest.timezone), a date-time is UTC unless
    it names an offset ("Z" or "z"). Empty or None: None. ValueError naming the value when it is neither."""
    if not value:
        return None
    try:
        return plain_utc(moment_utc(parse_moment(value), tz))
    except (ValueError, OverflowError):
        raise ValueError(
            f"{value!r} is not a date (2026-11-02) or an ISO 8601 date-time (2026-11-02T09:00:00+09:00)"
        ) from None


def required_param_time(params: Mapping[str, Any], name: str, tz: str = "UTC") -> datetime:
    """Param `name` as a UTC datetime (`param_time`); ValueError naming the param when it is empty or no moment."""
    value = params.get(name)
    if not value:
        raise ValueError(f"param '{name}' is empty: give a date or an ISO 8601 date-time such as "
                         "2026-01-01T00:00:00+00:00")
    try:
        return param_time(value, tz)  # type: ignore[return-value]
    except ValueError:
        raise ValueError(f"param '{name}' is not an ISO 8601 date-time or date: {value!r} (e.g. "
                         "2026-11-02T09:00:00+09:00, or 2026-11-02: that day in digest.timezone)") from None


def team_zone() -> str:
    """The config's digest.timezone, the zone a date param's midnight is in (as for the CLI's --since); read
    from the digest section only (`digest_schedule`), for tasks that do not load the whole config."""
    return digest_schedule(config_path())[1]


def run_clock(context: Mapping[str, Any]) -> datetime:
    """The run's "now" for anything that deletes or prunes by age: its data interval end, but never later than the
    real now. A run given a future logical date (a typo, `airflow dags test` with a date ahead) would otherwise
    count everything stored as older than retention and delete it."""
    end = context.get("data_interval_end") or context["dag_run"].run_after
    return min(plain_utc(end), plain_utc(datetime.now(UTC)))


def plan_targets(
    config: Config, *, brand: str | None = None, source: str | None = None
) -> dict[str, list[dict[str, str]]]:
    """`groundswell.targets.plan_targets` (the CLI's plan), grouped by source type: one mapped task per type.

    `brand` / `source` narrow the plan (backfill); naming one the config lacks is a ValueError.
    """
    from groundswell.targets import plan_targets as plan  # lazy: DAG parse skips the config it needs

    grouped: dict[str, list[dict[str, str]]] = {t: [] for t in source_types()}
    for target in plan(config, brand=brand, source=source):
        src = target.source
        grouped.setdefault(src.type, []).append({"brand": target.brand, "source": src.key, "type": src.type})
    return grouped


# --- credentials -------------------------------------------------------------------------


def _connection(conn_id: str) -> Any | None:
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return Connection.get(conn_id)
    except AirflowNotFoundException:
        return None


def _extra_env(conn: Any) -> dict[str, str]:
    env = (conn.extra_dejson or {}).get("env") or {}
    if not isinstance(env, Mapping):
        raise ValueError(f"connection {conn.conn_id}: extra 'env' must be an object of VAR: value")
    return {str(k): str(v) for k, v in env.items()}


def source_env(config: Config, source_key: str) -> dict[str, str]:
    """Env vars for one source, from connection `groundswell_<name>` or else `groundswell_<type>`."""
    source = next(s for s in config.sources if s.key == source_key)
    conn = _connection(f"groundswell_{source.key}")
    if conn is None and source.key != source.type:
        conn = _connection(f"groundswell_{source.type}")
    env: dict[str, str] = {}
    if conn is not None:
        for var, field in credential_vars(source).items():
            value = getattr(conn, field, None)
            if value:
                env[var] = value
        env.update(_extra_env(conn))
    # Without the connection the worker's own environment must carry them; neither: no retry can help.
    missing = [var for var in credential_vars(source) if not env.get(var) and not os.environ.get(var)]
    if missing:
        from airflow.sdk.exceptions import AirflowFailException  # lazy: airflow.sdk is imported inside tasks only

        names = f"groundswell_{source.key}" + (f" or groundswell_{source.type}" if source.key != source.type else "")
        raise AirflowFailException(
            f"{source.key}: no credentials: set the Airflow connection {names} (its password"
            f"{'; login, password for two' if len(missing) > 1 else ''}) or ${', $'.join(missing)} in the "
            "worker's environment (docs/airflow.md, Connections)"
        )
    return env


def credential_vars(source: Any) -> dict[str, str]:
    """Env var name -> connection field, for the credentials the source's extractor reads."""
    cls = get_extractor_class(source.type)
    needs = tuple(getattr(cls, "needs_credentials", ()))
    if not needs:
        return {}
    fields = CONNECTION_FIELDS_BY_COUNT.get(len(needs))
    if fields is None:
        raise ValueError(f"{source.type}: {len(needs)} credentials; map them with the connection extra 'env'")
    options = cls.Options.model_validate(source.options)
    return {getattr(options, need): field for need, field in zip(needs, fields, strict=True) if getattr(options, need)}


def store_env(config: Config) -> dict[str, str]:
    """Elasticsearch URL and credentials from connection `groundswell_elasticsearch` (when configured): the URL to
    `url_env`; the login to `username_env`; the password to `password_env` (Basic auth) or else `api_key_env`."""
    store = config.store
    if store.type != "elasticsearch":
        return {}
    conn = _connection("groundswell_elasticsearch")
    if conn is None:
        return {}
    env: dict[str, str] = {}
    url = (conn.extra_dejson or {}).get("url")
    if not url and conn.host:
        if "://" in conn.host:
            url = conn.host
        else:
            url = f"{conn.schema or 'http'}://{conn.host}" + (f":{conn.port}" if conn.port else "")
    if url and not store.url:
        env[store.url_env] = url
    if conn.login and store.username_env:
        env[store.username_env] = conn.login
    if conn.password and store.password_env:  # the config refuses password_env together with api_key_env
        env[store.password_env] = conn.password
    elif conn.password and store.api_key_env:
        env[store.api_key_env] = conn.password
    env.update(_extra_env(conn))
    return env


def store_env_kinds(config: Config) -> tuple[frozenset[str], frozenset[str]]:
    """Of `store_env`'s variables, (locators, plain): the URL variable, whose host messages show and of which only
    the credentials are masked, and the user name's, not masked at all. The rule `core.logsafe`'s
    `register_config_secrets` applies to the config's fields (`locator`, `secret: False`)."""
    store = config.store
    if store.type != "elasticsearch":
        return frozenset(), frozenset()
    return frozenset({store.url_env}), frozenset({store.username_env} - {None})


def channel_env(config: Config) -> dict[str, str]:
    """Channel secrets from connection `groundswell_<channel name>` or else `groundswell_<channel type>`.

    Webhook/Slack/Teams: the URL is the password (or the host) -> `url_env`.
    Email: the SMTP password -> `password_env`.
    """
    env: dict[str, str] = {}
    for channel in config.channels:
        url_env, password_env = getattr(channel, "url_env", None), getattr(channel, "password_env", None)
        if not (url_env or password_env):
            continue
        conn = _connection(f"groundswell_{channel.key}")
        if conn is None and channel.key != channel.type:
            conn = _connection(f"groundswell_{channel.type}")
        if conn is None:
            continue
        if url_env and (conn.password or conn.host):
            env[url_env] = conn.password or conn.host
        if password_env and conn.password:
            env[password_env] = conn.password
        env.update(_extra_env(conn))
    return env


def secret_parts(value: str) -> list[str]:
    """What of a secret value to mask on its own: `core.logsafe.secret_parts` (the whole URL, its path with the
    query, and only the segments that look secret, never plain words such as "services" or "webhooks")."""
    from core.logsafe import secret_parts as parts  # lazy: with the masking, at run time only

    return parts(value)


@contextmanager
def exported_env(values: Mapping[str, str], locators: frozenset[str] = frozenset(),
                 plain: frozenset[str] = frozenset()) -> Iterator[None]:
    """Put secrets in os.environ for the duration of a task step, masked in logs, then restore. Of a variable in
    `locators` (a URL saying where a service is) only the credentials inside it are masked
    (`core.logsafe.url_credentials`), so messages name the host; one in `plain` (a user name) is not masked.

    Masked twice: by Airflow's secret masker (task logs of a real worker), and by Groundswell's own filter on the
    client libraries' loggers (`core.logsafe`), which holds under `dag.test()` / `airflow dags test` too."""
    from airflow.sdk.log import mask_secret

    from core.logsafe import filter_client_loggers, register_secret, url_credentials  # lazy: at run time

    filter_client_loggers()
    saved = {k: os.environ.get(k) for k in values}
    for key, value in values.items():
        if key in plain:
            parts: list[str] = []
        elif key in locators:
            parts = url_credentials(value)
        else:
            parts = secret_parts(value)
        for part in parts:
            mask_secret(part, name=key)
            register_secret(part)
        os.environ[key] = value
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@contextmanager
def delivering(config: Config) -> Iterator[Store]:
    """The store, with the channels' secrets (`channel_env`) exported: what a task that sends a digest or report
    needs. Without the connections, a channel whose `url_env` is unset in the worker fails every delivery."""
    with opened_store(config) as store, exported_env(channel_env(config)):
        yield store


def delivery_counts(result: Mapping[str, Any]) -> dict[str, Any]:
    """What a digest/report task hands on through XCom and prints: counts only. The result itself quotes posts
    (texts, handles, URLs) and theme labels (phrases from posts); XCom outlives the store's retention."""
    delivery = result.get("delivery") or {}
    return {
        "brands": len(result.get("brands") or []),
        "channels": {
            name: {k: c.get(k, 0) for k in ("sent", "already_sent", "in_flight", "failed")}
            for name, c in delivery.items()
        },
        "failed": result.get("failed", 0),
        "not_sent": bool(result.get("not_sent")),
    }


class DeliveryFailed(RuntimeError):
    """A digest or report did not reach every channel: the task fails and Airflow retries it (its `retries`)."""


def check_delivery(what: str, result: Mapping[str, Any]) -> None:
    """Fail the task when `result` (`pipeline.digest` / `period_report`) says a channel failed. A plain error, so
    Airflow retries the task: the next scheduled run builds the *next* period, and would never send this one.
    What was sent is recorded once per period and channel, so a retry sends only to the channels that failed."""
    if result.get("failed"):
        raise DeliveryFailed(f"{what} could not be sent to every channel: {result.get('delivery')}")


def collect_one(
    target: Mapping[str, str], since: datetime | None, until: datetime | None, use_cursor: bool = True
) -> dict[str, int]:
    """Run `pipeline.collect` for one brand × source over [since, until); raise on source errors.

    Whatever was stored before an error stays stored (and its cursor saved), so
    Airflow's retry resumes from there instead of starting over. A task whose every failure is a rate limit past
    the source's wait ceiling fails without retry, naming the reset time.
    """
    from extractors.base import Window  # lazy: DAG parse skips requests (test_dagbag)
    from groundswell import pipeline  # lazy: DAG files parse without the pipeline (test_dagbag)

    config = load_config()
    since, until = plain_utc(since), plain_utc(until)
    window = Window(since=since, until=until)
    with opened_store(config) as store, exported_env(source_env(config, target["source"])):
        report = pipeline.collect(
            config, store, source=target["source"], brand=target["brand"], window=window, use_cursor=use_cursor
        )
    summary = {
        "collected": report.collected,
        "stored": report.stored,
        "created": report.created,
        "skipped": report.skipped,
        "failed_writes": report.failed_writes,
    }
    print(f"{target['brand']} / {target['source']} [{since} .. {until}): {summary}")
    for reason in report.skipped_reasons[:20]:
        print(f"skipped: {reason}")
    # A cursor the store refused after storing its batch fails the task too (a store failure; the retry refetches).
    unsaved = {k: f"the store did not save its cursor: {v}" for k, v in report.cursor_errors.items()}
    failed = {**report.errors, **unsaved}
    if report.park_error or (report.failed_writes and not report.deadletter):
        # Failed writes in no dead-letter file (`deadletter_ok` cannot see them): this task fails, said here. The
        # cursor stayed before them, so the retry fetches them again.
        fault = f" ({report.store_fault})" if report.store_fault else ""
        parked = f"; not parked either: {report.park_error}" if report.park_error else ""
        failed["store"] = f"{report.failed_writes} mention(s) could not be stored{fault}{parked}"
    if failed and set(failed) == set(report.rate_limited):
        # Every failure is a wait past the source's ceiling (`sources[].max_wait_s`): a retry 1-8 min later meets
        # the same limit and holds the DAG (max_active_runs=1) for nothing. Not retried; the next scheduled run
        # resumes from the cursors.
        from airflow.sdk.exceptions import AirflowFailException  # lazy: airflow.sdk is imported inside tasks only

        reset = max(report.rate_limited.values())
        raise AirflowFailException(
            f"rate limited until {reset:%Y-%m-%d %H:%M:%S} UTC, not retried (the next scheduled run after that "
            "resumes from the cursors): " + "; ".join(f"{k}: {v}" for k, v in failed.items())
        )
    if failed:
        raise RuntimeError("; ".join(f"{k}: {v}" for k, v in failed.items()))
    return summary


def replay_parked() -> dict[str, int]:
    """Body of the `replay` tasks: store what earlier runs parked in the dead-letter file.

    Runs once per DAG run, before the mapped collect tasks (`pipeline.collect`, which
    each of them calls, replays too; it then finds the file already empty). What the
    store still refuses stays parked; `check_parked` fails the run for it at the end.
    """
    from groundswell import pipeline  # lazy: DAG files parse without the pipeline (test_dagbag)

    config = load_config()
    with opened_store(config) as store:
        report = pipeline.replay_deadletter(config, store)
    summary = {"replayed": report.replayed, "created": report.created, "waiting": report.deadletter}
    print(f"dead letters: {summary}")
    return summary


def check_parked() -> None:
    """Body of the `deadletter_ok` tasks: fail the run while mentions wait in the dead-letter file.

    The same rule as the CLI's exit code 5. Not retried (AirflowFailException): the next
    run replays the file first anyway; a line the store can never take needs a person.
    """
    from airflow.sdk.exceptions import AirflowFailException

    from groundswell import pipeline  # lazy: DAG files parse without the pipeline (test_dagbag)

    letters = pipeline.dead_letter(load_config())
    waiting = letters.count()
    if waiting:
        raise AirflowFailException(
            f"{waiting} mention(s) wait in the dead-letter file {letters.path}: the store refused them "
            "(the errors are in this run's collect/replay logs); the next run replays them, and "
            "unreadable lines stay there until fixed or removed"
        )
    print(f"dead-letter file {letters.path}: empty")


def publish_mentions(reports: list, asset: Any, replayed: Mapping[str, int] | None = None) -> int:
    """Body of the `publish` tasks: count new mentions; skip (no asset event) when there is no work.

    `reports` holds each mapped collect task's results (failed or skipped ones are absent);
    `replayed` the `replay` task's (None when it failed).
    """
    from airflow.sdk import get_current_context
    from airflow.sdk.exceptions import AirflowSkipException

    created = sum(r["created"] for per_type in reports for r in (per_type or []) if r)
    created += (replayed or {}).get("created", 0)
    if not created:
        # A source that stored mentions and then failed reports nothing here; enrich
        # anyway when work is waiting, so those mentions are not stranded.
        with opened_store(load_config()) as store:
            waiting = len(store.unenriched(limit=1))
        if not waiting:
            raise AirflowSkipException("no new mentions: no asset event")
    get_current_context()["outlet_events"][asset].extra = {"created": created}
    print(f"{created} new mention(s): asset event for {asset.uri}")
    return created


def report_when(context: Mapping[str, Any]) -> tuple[date | None, datetime | None]:
    """(day, now) for `pipeline.period_report` in a report DAG's run: param `day` (the period containing it), or
    the last period complete at the run's trigger time, `data_interval_end`. Not `logical_date`: the reports'
    trigger timetable puts it at the data interval's start, a week or a month earlier, so a scheduled run
    reported the period before the one that just ended. A manual run's interval ends now. Never later than the
    real now (`run_clock`): a future logical date would write, send and record as sent a period not yet over."""
    params = context.get("params") or {}
    if params.get("day"):
        return date.fromisoformat(params["day"]), None
    return None, run_clock(context)


def check_detection(detected: Mapping[str, Any] | None) -> None:
    """Body of `detection_ok`: fail naming the brands whose detection failed (None: detect itself
    failed, and the run has already failed for it).

    Not retried (AirflowFailException): the alerts DAG runs again in 5 minutes and detects anew.
    """
    from airflow.sdk.exceptions import AirflowFailException

    failed = (detected or {}).get("failed") or {}
    if failed:
        reasons = "; ".join(f"{brand}: {error}" for brand, error in sorted(failed.items()))
        raise AirflowFailException(
            f"alert detection failed for {len(failed)} brand(s): {', '.join(sorted(failed))} "
            f"(the other brands' alerts were delivered) - {reasons}"
        )
