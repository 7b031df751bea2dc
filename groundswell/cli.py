"""`groundswell` command line: every pipeline step runs here without Airflow.

Sub-commands owned by other packages are imported only when used, so
`groundswell --help` stays instant (no torch, no clients).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import shlex
import shutil
import sqlite3
import sys
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from alerts.deliver import PENDING_WITHIN, TOO_OLD
from alerts.history import stored_alerts
from alerts.presets import brand_rules_shown
from core.errors import ConfigError
from core.logsafe import LOG_FORMATS, configure_logging, redact
from extractors.base import Window
from groundswell.advocates import advocate_record, advocates_csv
from groundswell.advocates import advocates as rank_authors
from groundswell.cli_options import (
    OutputPath,
    bom_option,
    config_option,
    config_path_of,
    declare_output,
    load_cli_config,
    moment_option,
    optional_config_option,
    output_path,
    team_moment,
)
from groundswell.config import Config, config_notes, config_warnings
from groundswell.csv_file import write_csv
from groundswell.deadletter import DeadLetter, unreadable_message
from groundswell.demo import prepare
from groundswell.digest import check_day_ended
from groundswell.dry_run_store import DryRunRefused
from groundswell.exit_codes import (  # README, "Exit codes"; `winning` picks one when several apply
    EXIT_ALL_FAILED,
    EXIT_ERROR,
    EXIT_PARTIAL,
    EXIT_STORE_BUSY,
    EXIT_UNDELIVERED,
    EXIT_UNSTORED,
    busy_message,
    winning,
)
from groundswell.intents_backfill import tag_missing_intents
from groundswell.interrupt import Interrupted, at_step, run_id, start_run
from groundswell.interrupt import install as install_signals
from groundswell.interrupt import restore as restore_signals
from groundswell.period_delivery import report_period
from groundswell.pipeline import (
    as_dict,
    cannot_write,
    collect,
    dead_letter,
    flag_new_spam,
    migrate_brands,
    notify,
    open_store,
    other_models_note,
    own_accounts,
    run_once,
    themes_pass,
    update_themes,
)
from groundswell.pipeline import detect as run_detect
from groundswell.pipeline import digest as run_digest
from groundswell.pipeline import enrich as run_enrich
from groundswell.pipeline import maintain as run_maintain
from groundswell.pipeline import period_report as run_period_report
from groundswell.re_enrich import re_enrich
from groundswell.report import write_report
from groundswell.store_copy import (
    check_not_same,
    copy_store,
    describe,
    first_error,
    lost_mid_copy,
    open_for_dry_run,
)
from groundswell.store_lost import EXIT_STORE_LOST, StoreLost, copy_lost, disk_fault, is_unreachable, reason_of
from indexing.base import StoreUnavailable
from indexing.config import MAX_RETENTION_DAYS
from indexing.sqlite import BUSY_TIMEOUT_S, store_busy
from nlp.embeddings import SentenceEmbeddings

log = logging.getLogger(__name__)
HELD_AFTER = f"{PENDING_WITHIN / timedelta(hours=1):g} h"  # `alerts.deliver.offered_since`, in the options' help


# name -> "module:attribute" of a click command defined in its own package.
LAZY_COMMANDS = {
    "sentiment": "groundswell.sentiment_cli:sentiment",
    "spam": "groundswell.spam_cli:spam",
    "collect": "extractors.cli:collect",
    "alerts": "groundswell.alerts_cli:alerts",
    "brands": "groundswell.brands_cli:brands",
    "subject": "groundswell.subject_cli:subject",
    "serve": "dashboards.web.cli:serve",
    "kibana": "dashboards.kibana.cli:kibana",
    "health": "groundswell.health_cli:health",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module, _, attr = LAZY_COMMANDS[name].partition(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return self._invoke_said(ctx)
        except Interrupted as exc:  # SIGTERM / SIGINT (groundswell/interrupt.py): the summary so far, one line
            _emit({**exc.summary, "interrupted": exc.step, "run_id": run_id()})
            step = exc.step or "start-up"
            click.echo(f"groundswell: stopped by {exc.signal_name} during {step} (run_id {run_id()}): what was "
                       "stored stays stored and no cursor passed unstored data; the next run goes on from there",
                       err=True)
            sys.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug or a failure no handler knows: one line, the traceback with -v (README)
            log.info("unexpected error", exc_info=True)
            first = (str(exc).strip().splitlines() or [""])[0][:300]
            click.echo(redact(f"groundswell: {type(exc).__name__}: {first} (run_id {run_id()}, full traceback "
                              "with -v)"), err=True)
            sys.exit(EXIT_ERROR)
        finally:
            restore_signals()

    def _invoke_said(self, ctx: click.Context) -> object:
        """`invoke`, with the failures that have their own one line and code (a lost or busy store, a file)."""
        try:
            return super().invoke(ctx)
        except StoreLost as exc:  # went away mid-run: the summary so far, one line, its own code (README)
            log.info("the store went away", exc_info=exc.__cause__)  # the client's traceback with -v only
            _emit({**exc.summary, "run_id": run_id()})
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EXIT_STORE_LOST)
        except StoreUnavailable as exc:  # a down store is one clear line, not a client traceback
            raise click.ClickException(str(exc)) from None
        except ConfigError as exc:  # found when the store opens (store.url unset): the config's to fix
            raise click.ClickException(str(exc)) from None
        except (sqlite3.OperationalError, RuntimeError) as exc:  # RuntimeError: a step's "could not store …"
            if disk_fault(exc):  # full, read-only, I/O error (`run` reports it as StoreLost): one line, code 1
                log.debug("store write failed", exc_info=True)
                raise click.ClickException(f"the store could not be written: {reason_of(exc)}") from None
            if not store_busy(exc):  # anything else about SQLite is a bug's traceback
                raise
            log.debug("store busy", exc_info=True)
            click.echo(f"Error: {BUSY_MESSAGE}", err=True)
            sys.exit(EXIT_STORE_BUSY)  # its own code on every command: wait and run again, nothing to fix
        except OSError as exc:
            if exc.filename is None:  # not about a file (a socket, a broken pipe): a bug's traceback stays
                raise
            log.debug("file error", exc_info=True)  # -vv still shows where it came from
            output = output_path(exc)
            message = cannot_write(output, exc) if output else f"{os.fsdecode(exc.filename)}: {exc.strerror or exc}"
            raise click.ClickException(message) from None


_load = load_cli_config  # the name every command here calls

BUSY_MESSAGE = (
    "the store is busy: another process (a run, `maintain`, a copy, the dashboard) held its write lock "
    f"past the {BUSY_TIMEOUT_S:g} s this one waits. Each write is all or nothing: what this command "
    "wrote stays, and running it again when that one is done does the rest"
)


def runnable_command() -> str:
    """How to run this CLI again from the current directory, for hints printed to the user.

    `groundswell` when that name on PATH is this installation; else the installed script by its
    path (`.venv-run/bin/groundswell` after `make demo`, whose venv is not activated); else `python -m`.
    """
    argv0 = Path(sys.argv[0])
    # The script the user ran, or the one installed beside this interpreter (under `python -m`, pytest, …).
    script = argv0 if argv0.name == "groundswell" else Path(sys.executable).parent / "groundswell"
    if not script.is_file():
        return f"{shlex.quote(_shown(Path(sys.executable)))} -m groundswell.cli"
    on_path = shutil.which("groundswell")
    if on_path and Path(on_path).resolve() == script.resolve():
        return "groundswell"
    return shlex.quote(_shown(script))


def _shown(path: Path) -> str:
    """`path` relative to the current directory when it lies below it (shorter, still runnable)."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def _emit(summary: dict) -> None:
    """The run summary is the last line of stdout, as one JSON object. It carries sources' errors and skip
    reasons and is printed, not logged, so its strings are masked with the log filter's rule, each on its
    own before encoding (a mask over the encoded line could swallow an escaped quote and break the JSON)."""
    click.echo(json.dumps(_masked(summary), ensure_ascii=False, default=str))


def _masked(value: object) -> object:
    """`value` with every string in it (keys too) passed through `redact`."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {_masked(k) if isinstance(k, str) else k: _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value


def _say_other_models(other_models: dict[str, int]) -> None:
    """One line on stderr when stored labels come from another model build (`pipeline.other_models_note`)."""
    note = other_models_note(other_models)
    if note:
        click.echo(f"groundswell: {note}", err=True)


def _say_notes(notes: dict[str, str]) -> None:
    """One line on stderr per brand the run could judge nothing for (`detect_notes`; not an error)."""
    for brand, note in notes.items():
        click.echo(f"groundswell: {brand}: {note}", err=True)


def _say_too_old(count: int) -> None:
    """One line on stderr when delivery held alerts back for their age (`alerts.deliver.TOO_OLD`; not an error)."""
    if count:
        click.echo(f"groundswell: {count} alert(s) {TOO_OLD} (stored: the dashboard, the report and "
                   "`groundswell alerts list` show them)", err=True)


def _detect_failure_code(failed: dict[str, str]) -> int:
    """Say on stderr which brands' detection failed (the other brands' alerts were still stored and
    sent) and return the exit code for it, 0 when none did, so a scheduler sees the partial failure."""
    if not failed:
        return 0
    click.echo(f"alert detection failed for {len(failed)} brand(s): {', '.join(sorted(failed))}", err=True)
    return EXIT_ERROR


def _exit_for(
    errors: dict[str, str],
    attempted: int,
    deadletter: int,
    detect_errors: dict[str, str] | None = None,
    *,
    undelivered: int = 0,
    unrecorded: int = 0,
    report_error: str | None = None,
    cursor_errors: dict[str, str] | None = None,
    store_busy: bool = False,
    parked: DeadLetter | None = None,
    failed_writes: int = 0,
    store_fault: str | None = None,
    park_error: str | None = None,
    enrich_error: str | None = None,
) -> None:
    """Say on stderr what went wrong (collection, storing, detection, delivery, the report) and exit with
    the code that wins (`exit_codes.winning`); return when nothing did. `store_busy`: the store's refusals
    (cursors, parked writes) were another process's lock, so they end with EXIT_STORE_BUSY, not EXIT_UNSTORED.
    `parked`: the dead-letter file, whose unreadable lines are said apart (a person must fix them).
    `failed_writes` > 0 never exits 0, parked or not: `park_error` says why they could not be parked (only the held
    cursor keeps them), and `store_fault` (disk full, read-only, I/O error) makes it EXIT_STORE_LOST, said last.
    `enrich_error`: `run`'s enrich step failed (a model that cannot be loaded); detection ran without new labels."""
    store_code = EXIT_STORE_BUSY if store_busy else EXIT_UNSTORED
    codes: list[int] = [_detect_failure_code(detect_errors or {})]
    if undelivered:
        codes.append(EXIT_UNDELIVERED)
        click.echo(f"groundswell: {undelivered} alert delivery(ies) failed (the log says why); the next run "
                   "offers the channels what they missed of the last 24 hours again", err=True)
    if unrecorded:
        # A delivery failure too: a store that keeps refusing the ledger's writes re-sends them every run.
        codes.append(EXIT_UNDELIVERED)
        click.echo(f"groundswell: {unrecorded} alert delivery(ies) sent but not recorded in the delivery ledger "
                   "(the store refused the write; the log says why): the next run may send them again", err=True)
    if report_error:
        codes.append(EXIT_ERROR)
        click.echo(f"Error: {report_error}", err=True)
    if errors:
        failed_all = len(errors) >= attempted
        codes.append(EXIT_ALL_FAILED if failed_all else EXIT_PARTIAL)
        what = "every source failed" if failed_all else f"{len(errors)} of {attempted} source pass(es) failed"
        click.echo(f"groundswell: {what}:", err=True)
        for label, message in errors.items():
            # Printed, not logged: the log's RedactingFilter never sees it, so mask it with the same rule.
            click.echo(f"  - {label}: {redact(message)}", err=True)
    if cursor_errors:
        # The store's failure, not the sources': pointed at the store, with the writes' code (README "Exit codes").
        codes.append(store_code)
        click.echo(f"groundswell: the store refused to save the cursor of {len(cursor_errors)} source pass(es) after "
                   "storing their batch (check the store, not the source); the batch is stored and the next run "
                   "fetches it again, without duplicates:", err=True)
        for label, message in cursor_errors.items():
            click.echo(f"  - {label}: {redact(message)}", err=True)
    if deadletter:
        codes.append(store_code)
        unreadable = parked.unreadable_lines() if parked is not None else []
        if deadletter > len(unreadable):
            click.echo(
                f"groundswell: {deadletter - len(unreadable)} mention(s) could not be stored and wait in the "
                "dead-letter file (the next run retries them)",
                err=True,
            )
        if unreadable:  # no run can store them: the same code (README), but said as a person's job
            click.echo(f"groundswell: {unreadable_message(parked.path, unreadable)}", err=True)
    if park_error:  # the failed writes are in no file: the cursor held before them is all that keeps them
        codes.append(store_code)
        click.echo(f"groundswell: {failed_writes} mention(s) could not be stored, nor parked in the dead-letter file "
                   f"({park_error}); nothing is lost: their sources' cursors stay before them and the next run "
                   "fetches them again", err=True)
    elif failed_writes and not deadletter:
        codes.append(store_code)
        click.echo(f"groundswell: {failed_writes} mention(s) could not be stored (the log says why); their sources' "
                   "cursors stay before them and the next run fetches them again", err=True)
    if enrich_error:  # a person's to fix (the model setting): 1, as a detection failure
        codes.append(EXIT_ERROR)
        click.echo(f"Error: enrich failed: {redact(enrich_error)}; detection still ran on what is stored, without "
                   "new sentiment labels (alerts that need them wait for the next run)", err=True)
    if store_busy and (cursor_errors or deadletter):
        click.echo(f"Error: {BUSY_MESSAGE}", err=True)
    if store_fault:  # last: the one line a person reads first says the disk, not "the next run retries them"
        codes.append(EXIT_STORE_LOST)
        click.echo(f"Error: the store could not be written: {store_fault}", err=True)
    if code := winning(codes):
        sys.exit(code)


def _busy(reasons: Iterable[str | None], parked: DeadLetter, busy_before: int) -> bool:
    """Whether the store failures of a collection were another process's write lock, not a failing store: a refusal
    whose reason is SQLite's "database is locked" (a cursor, the replay), or a write parked for that reason since the
    command began (`DeadLetter.busy_parks` was `busy_before`). Read from the failures themselves, never from the lock
    when the command ends: a full disk while another process holds the lock stays 5."""
    return any(reason and busy_message(reason) for reason in reasons) or parked.busy_parks() > busy_before


DEMO_DIR = ".groundswell/demo"  # also the Makefile's `serve` default



# Commands that run long enough for a scheduler's SIGTERM or a Ctrl-C to land mid-way (groundswell/interrupt.py).
LONG_COMMANDS = frozenset({"run", "collect", "ingest", "enrich", "maintain", "themes"})


@click.group(cls=LazyGroup)
@click.version_option(package_name="groundswell", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug)")
@click.option("--log-format", type=click.Choice(LOG_FORMATS), default="text", show_default=True,
              envvar="GROUNDSWELL_LOG_FORMAT",
              help="Log lines on stderr as text, or one JSON object per line (time, level, logger, message, run_id, "
                   "step) for a log collector")
@click.pass_context
def cli(ctx: click.Context, verbose: int, log_format: str) -> None:
    """Groundswell: social listening and sentiment monitoring."""
    start_run()  # the run id of every log line, the run summary and the error line
    configure_logging(verbose, log_format=log_format)  # redacts secrets at every level (core.logsafe)
    if ctx.invoked_subcommand in LONG_COMMANDS:
        at_step(ctx.invoked_subcommand)
        install_signals()  # stop at a safe point on SIGTERM / SIGINT, exit 143 / 130 (README "Exit codes")


@cli.command()
@config_option
@click.option("--no-report", is_flag=True, help="Skip writing the HTML report")
@click.option("--progress/--no-progress", default=True, help="Progress bars on stderr")
@click.option("--history", is_flag=True, help=f"Alert on the whole stored history, not just recent buckets (first "
              f"imports); alerts decided over {HELD_AFTER} ago are stored, not sent")
@click.option("--send/--no-send", default=True, show_default=True,
              help="Deliver alerts to the configured channels; --no-send stores them and sends nothing")
def run(config_path: str, no_report: bool, progress: bool, history: bool, send: bool) -> None:
    """One full pass: collect → enrich → themes → detect → notify → report."""
    now = None if history else datetime.now(UTC)
    config = _load(config_path)
    busy_before = dead_letter(config).busy_parks()  # writes this command parks for a busy store count (`_busy`)
    summary = run_once(config, progress=progress, write_report=not no_report, now=now, send=send)
    summary["run_id"] = run_id()  # the id every log line of this run carries
    _emit(summary)
    _finish_run(summary, config, busy_before)


def _finish_run(summary: dict, config: Config, busy_before: int) -> None:
    """After `run_once`'s summary is printed (`run`, `demo`): say on stderr what went wrong and exit with the code
    that wins (README "Exit codes"), or return when nothing did. `busy_before`: the dead-letter file's parks for a
    busy store when the command began (`_busy`)."""
    _say_too_old(summary["alerts_too_old"])
    _say_notes(summary["detect_notes"])
    _say_other_models(summary["labels_from_other_models"])
    busy = _busy([*summary["cursor_errors"].values(), summary["replay_error"]], dead_letter(config), busy_before)
    _exit_for(summary["source_errors"], summary["sources_attempted"], summary["deadletter"], summary["detect_errors"],
              undelivered=summary["alerts_failed"], unrecorded=summary["alerts_sent_unrecorded"],
              report_error=summary.get("report_error"), cursor_errors=summary["cursor_errors"], store_busy=busy,
              parked=dead_letter(config), failed_writes=summary["failed_writes"],
              store_fault=summary.get("store_fault"), park_error=summary.get("park_error"),
              enrich_error=summary.get("enrich_error"))


@cli.command()
@click.option("--dir", "directory", default=DEMO_DIR, show_default=True, type=click.Path(file_okay=False))
@click.option("--seed", default=7, show_default=True)
@click.option("--progress/--no-progress", default=True)
def demo(directory: str, seed: int, progress: bool) -> None:
    """Write the synthetic demo corpus and config, then run the main job on the embedded store."""
    root = Path(directory)
    config_file, lines = prepare(root, seed=seed)
    click.echo(f"demo corpus: {lines} synthetic mentions in {root / 'corpus.jsonl'}", err=True)
    config = _load(str(config_file))
    busy_before = dead_letter(config).busy_parks()
    # Its synthetic fortnight lies in the past and its channels are the console and a local file: it sends all.
    summary = run_once(config, progress=progress, send_old=True)
    summary["config"] = str(config_file)
    summary["dashboard"] = f"{runnable_command()} serve --config {shlex.quote(str(config_file))}"
    click.echo(
        f"left out of the counts: {summary['spam_excluded']} spam mentions and"
        f" {summary['own_posts_excluded']} posts of the brands' own accounts",
        err=True,
    )
    for brand, names in summary["top_advocates"].items():
        click.echo(f"top advocates of {brand}: {', '.join(names) or 'none yet (2+ positive posts needed)'}", err=True)
    for brand, r in summary["responses"].items():
        share = "n/a" if r["answered_share"] is None else f"{r['answered_share']:.0%}"
        median = "n/a" if r["median_minutes"] is None else f"{r['median_minutes']:.0f} min"
        click.echo(
            f"replies from {brand}'s own accounts (last {r['days']} days): {share} of {r['posts']} posts answered,"
            f" median {median};"
            f" {r['needs_reply']} negative posts waiting > {r['goal_minutes']} min",
            err=True,
        )
    click.echo(f"report: {summary['report']}\nopen the dashboard: {summary['dashboard']}", err=True)
    summary["run_id"] = run_id()
    _emit(summary)
    # Ends as `run` does: an install whose enrich step fails (a model that cannot load) must not pass
    # `groundswell demo && echo ok` (README "Exit codes").
    _finish_run(summary, config, busy_before)


@cli.command("ingest")
@config_option
@click.option("--source", help="Only this source (its name, or type when unnamed)")
@click.option("--brand", help="Only this brand")
@moment_option("--since", "Window start")
@moment_option("--until", "Window end (exclusive)")
@click.option("--progress/--no-progress", default=True)
def collect_cmd(
    config_path: str,
    source: str | None,
    brand: str | None,
    since: datetime | None,
    until: datetime | None,
    progress: bool,
) -> None:
    """Collect from the configured sources into the store (no enrichment)."""
    config = _load(config_path)
    since, until = team_moment(since, config), team_moment(until, config)
    busy_before = dead_letter(config).busy_parks()  # writes this command parks for a busy store count (`_busy`)
    store = open_store(config)
    try:
        # An explicit range is a backfill: fetch all of it, leave the incremental cursors alone.
        backfill = since is not None or until is not None
        report = collect(
            config,
            store,
            source=source,
            brand=brand,
            window=Window(since, until),
            progress=progress,
            use_cursor=not backfill,
        )
    except ValueError as exc:  # a source or brand the config lacks (UnknownTarget), a reversed window
        raise click.ClickException(str(exc)) from None
    except Exception as exc:
        if not is_unreachable(exc):
            raise
        # Opened, then gone: `run`'s one line and exit 6, not a client traceback. What is parked stays parked.
        raise StoreLost("collect", store.name, reason_of(exc),
                        {"store": store.name, "deadletter": dead_letter(config).count()}) from exc
    finally:
        store.close()
    _emit(as_dict(report))
    busy = _busy([*report.cursor_errors.values(), report.replay_error], dead_letter(config), busy_before)
    _exit_for(report.errors, report.attempted, report.deadletter, cursor_errors=report.cursor_errors, store_busy=busy,
              parked=dead_letter(config), failed_writes=report.failed_writes, store_fault=report.store_fault,
              park_error=report.park_error)


@cli.command()
@config_option
@click.option("--limit", type=click.IntRange(min=1), help="At most this many mentions (at least 1)")
@click.option("--themes/--no-themes", default=True, help="Recompute themes afterwards")
@click.option("--progress/--no-progress", default=True)
def enrich(config_path: str, limit: int | None, themes: bool, progress: bool) -> None:
    """Tag stored, un-enriched mentions with language, sentiment and themes."""
    config = _load(config_path)
    store = open_store(config)
    embeddings = SentenceEmbeddings(backend=config.nlp.backend)  # sentiment's sentence embeddings, handed to themes
    try:
        enriched = run_enrich(config, store, limit=limit, progress=progress, embeddings=embeddings)
        report = as_dict(enriched)
        report["spam"] = as_dict(flag_new_spam(store, enriched, config))  # before themes count anything
        if themes:
            report["themes"] = update_themes(config, store, progress=progress, embeddings=embeddings)
    finally:
        store.close()
    _emit(report)
    _say_other_models(enriched.other_models)


@cli.command()
@config_option
@click.option("--full", is_flag=True, help="Re-cluster every brand's history instead of adding new posts to its themes")
@click.option("--progress/--no-progress", default=True)
def themes(config_path: str, full: bool, progress: bool) -> None:
    """Theme enriched mentions: new posts join the stored themes; --full re-clusters (docs/architecture.md)."""
    config = _load(config_path)
    store = open_store(config)
    try:
        passes = themes_pass(config, store, progress=progress, full=full)
    finally:
        store.close()
    _emit({"themes": [as_dict(p) for p in passes]})


@cli.command()
@config_option
@click.option("--send/--no-send", default=True, show_default=True,
              help="Deliver alerts to the configured channels; --no-send stores them and sends nothing")
@click.option("--history", is_flag=True, help=f"Examine the whole stored history, not just recent buckets; alerts "
              f"decided over {HELD_AFTER} ago are stored, not sent")
def detect(config_path: str, send: bool, history: bool) -> None:
    """Run the crisis detectors on stored mentions (and notify)."""

    config = _load(config_path)
    store = open_store(config)
    try:
        alerts = run_detect(config, store, now=None if history else datetime.now(UTC))
        delivery = as_dict(notify(config, store, alerts)) if send else None
    finally:
        store.close()
    _emit(
        {
            "alerts": [json.loads(a.model_dump_json()) for a in alerts],
            "delivery": delivery,
            "detect_errors": alerts.failed,
            "detect_notes": alerts.notes,
            # alerts the Kibana copy (<prefix>-alerts on Elasticsearch) lacks; the log has them, the next run retries
            "alert_index_errors": alerts.index_errors,
        }
    )
    _say_notes(alerts.notes)
    _say_too_old(delivery["too_old"] if delivery else 0)
    _exit_for({}, 0, 0, alerts.failed, undelivered=delivery["failed"] if delivery else 0,
              unrecorded=delivery["unrecorded"] if delivery else 0)


@cli.command()
@config_option
@click.option("--out", type=OutputPath(), help="Default: report.path from the config")
def report(config_path: str, out: str | None) -> None:
    """Write the static HTML report from what is stored."""
    config = _load(config_path)
    store = open_store(config)
    try:
        path = write_report(config, store, stored_alerts(store), out)
    finally:
        store.close()
    _emit({"report": str(path)})


@cli.command()
@config_option
@click.option("--retention-days", type=click.IntRange(1, MAX_RETENTION_DAYS),
              help="Override the configured retention (days, at least 1)")
def maintain(config_path: str, retention_days: int | None) -> None:
    """Retention and store housekeeping (vacuum / index rollover)."""
    config = _load(config_path)
    store = open_store(config)
    try:
        _emit(run_maintain(config, store, retention_days=retention_days))
    finally:
        store.close()


@cli.command()
@config_option
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day, in digest.timezone (default: yesterday there); with "
    "--period week/month/quarter, a day inside the period (default: the last complete one)",
)
@click.option(
    "--period",
    type=click.Choice(["day", "week", "month", "quarter"]),
    default="day",
    show_default=True,
    help="The daily digest, or the weekly / monthly / quarterly report for managers",
)
@click.option(
    "--send/--no-send",
    default=True,
    show_default=True,
    help="Send the report to the channels (once per period and channel); the daily digest only with "
    "digest.daily: send",
)
def digest(config_path: str, day: datetime | None, period: str, send: bool) -> None:
    """Write the daily digest (Markdown + JSON; sent with digest.daily: send), or the weekly/monthly report (and
    send it). A period before the first day with data is written, never sent (exit 1)."""
    config = _load(config_path)
    try:
        if period == "day" and day:
            check_day_ended(day.date(), config.digest.timezone, datetime.now(UTC))
        elif period != "day":
            report_period(period, day.date() if day else None, config.digest.timezone, datetime.now(UTC))  # type: ignore[arg-type]
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    declare_output(Path(config.report.path).parent)  # digests/ and reports/ are made beside the report
    store = open_store(config)
    try:
        if period != "day":
            result = run_period_report(config, store, period, day.date() if day else None, send=send)  # type: ignore[arg-type]
        else:
            result = run_digest(config, store, day.date() if day else None, send=send)
    finally:
        store.close()
    click.echo(open(result["markdown"], encoding="utf-8").read(), err=True)
    if period == "day":
        result = {k: result[k] for k in ("markdown", "day", "not_sent", "delivery", "failed") if k in result}
    _emit(result)
    if result.get("not_sent"):
        raise click.ClickException(result["not_sent"])
    if result.get("failed"):
        sys.exit(EXIT_UNDELIVERED)


@cli.command()
@config_option
@click.option("--brand", required=True, help="The brand (its name in the config)")
@moment_option("--since", "Period start")
@moment_option("--until", "Period end (exclusive)")
@click.option("--detractors", is_flag=True, help="Rank negative mentions instead of positive ones")
@click.option("-n", "--top", "top", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--csv", "csv_path", type=OutputPath(), help="Also write the ranking as CSV (the dashboard's ⬇ CSV)")
@bom_option
def advocates(
    config_path: str,
    brand: str,
    since: datetime | None,
    until: datetime | None,
    detractors: bool,
    top: int,
    csv_path: str | None,
    bom: bool,
) -> None:
    """Authors with repeated positive (or negative) mentions of a brand, ranked (docs/spam.md#advocates)."""
    config = _load(config_path, brand)
    since, until = team_moment(since, config), team_moment(until, config)  # the dashboard's days, not UTC's
    store = open_store(config)
    try:
        label = "negative" if detractors else "positive"
        rows = rank_authors(store, brand, since, until, sentiment=label, n=top, own=own_accounts(config))
    except ValueError as exc:  # a reversed window
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    if csv_path:
        Path(csv_path).parent.mkdir(parents=True, exist_ok=True)
        write_csv(csv_path, advocates_csv(rows), bom)
        click.echo(f"wrote {len(rows)} authors to {csv_path}", err=True)
    label = "negative" if detractors else "positive"
    _emit({"brand": brand, "sentiment": label, "authors": [advocate_record(i, a) for i, a in enumerate(rows, 1)]})


@cli.group()
def store() -> None:
    """Store maintenance that is not part of a run."""


@store.command("migrate")
@config_option
@click.option("--progress/--no-progress", default=True)
def store_migrate(config_path: str, progress: bool) -> None:
    """Bring a store from before multi-brand mentions up to date: every stored mention gets every
    configured brand whose query matches its text (no re-collecting; safe to run again)."""
    config = _load(config_path)
    opened = open_store(config)  # opening moves the old single brand to brands (both stores)
    try:
        moved = getattr(opened, "legacy_brands_moved", 0)  # the single `brand` moved to `brands` on open
        _emit({"moved_on_open": moved, **as_dict(migrate_brands(config, opened, progress=progress))})
    finally:
        opened.close()


@store.command("tag-intents")
@config_option
def store_tag_intents(config_path: str) -> None:
    """Tag the intent of mentions enriched before intent tags (docs/model-card.md, "Intent tags"); safe to run again."""
    config = _load(config_path)
    opened = open_store(config)  # opening adds the intent table / field (migration step "intent tags")
    try:
        _emit(as_dict(tag_missing_intents(config, opened)))
    finally:
        opened.close()


@store.command("re-enrich")
@config_option
@moment_option("--since", "Window start (default: the oldest stored mention)")
@moment_option("--until", "Window end (exclusive; default: now)")
@click.option("--brand", help="Only this brand's mentions")
@click.option("--all", "everything", is_flag=True,
              help="Every enriched mention, not only those another model tagged (after changing an nlp setting); "
                   "a stopped --all pass continues where it stopped")
@click.option("--dry-run", is_flag=True, help="Count what would be re-tagged, by which model tagged it; write nothing")
@click.option("--progress/--no-progress", default=True)
def store_re_enrich(config_path: str, since: datetime | None, until: datetime | None, brand: str | None,
                    everything: bool, dry_run: bool, progress: bool) -> None:
    """Tag stored mentions again with the configured sentiment model: those another model (an older
    default, another `nlp.sentiment_model`) tagged, or --all. Safe to stop and run again."""
    config = _load(config_path)
    opened = open_store(config)
    try:
        report = re_enrich(config, opened, since=team_moment(since, config), until=team_moment(until, config),
                           brand=brand,
                           everything=everything, dry_run=dry_run, progress=progress)
    except ValueError as exc:  # a brand the config lacks, an empty window: nothing was read or written
        raise click.ClickException(str(exc)) from None
    finally:
        opened.close()
    _emit(as_dict(report))


@store.command("copy")
@config_option
@click.option("--to", "target_path", required=True, type=click.Path(dir_okay=False),
              help="The config whose store receives the copy (e.g. the same config with store.type: elasticsearch)")
@click.option("--dry-run", is_flag=True, help="Count what would be copied; write nothing")
@moment_option("--since", "Only mentions posted from then on, and only their own state (shares, judgements)")
@click.option("--brand", help="Only this brand's mentions, and only their own state (shares, judgements)")
@click.option("--progress/--no-progress", default=True)
def store_copy(config_path: str, target_path: str, dry_run: bool, since: datetime | None, brand: str | None,
               progress: bool) -> None:
    """Copy every mention (spam included) and then the state (cursors, alert log, sent alerts, themes, shares) of
    the config's store into the store of --to: to move from the embedded store to Elasticsearch, or back. Keys the
    target already has keep its value. Safe to stop and run again: it continues where it stopped. Exit 5 when
    some mentions did not land (they are named; the state then waits for a run that copies them)."""
    source_config, target_config = _load(config_path, brand), _load(target_path)
    try:
        check_not_same(source_config.store, target_config.store)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if dry_run:
        try:
            source, target = open_for_dry_run(source_config, target_config)
        except DryRunRefused as exc:  # opening would create or upgrade a store: a dry run writes nothing
            raise click.ClickException(str(exc)) from None
    else:
        source = open_store(source_config)
        try:
            target = open_store(target_config)
        except BaseException:
            source.close()
            raise
    try:
        try:
            report = copy_store(source, target, source_name=describe(source_config.store),
                                target_name=describe(target_config.store), dry_run=dry_run, progress=progress,
                                since=team_moment(since, source_config), brand=brand)
        except Exception as exc:
            if not lost_mid_copy(exc):  # a refusal (a write block, ...) is not a lost node: exit 1, its own line
                raise
            # A node lost mid-copy: one line and exit 6 as `run`, not the client's traceback (nothing is lost).
            raise copy_lost(exc, describe(source_config.store), describe(target_config.store)) from exc
        finally:
            target.close()
    finally:
        source.close()
    _emit(as_dict(report))
    if report.failed:
        unreadable = (f"{report.unreadable} of them cannot be read in the source by this version (the log names "
                      "them): run the version that wrote them, or delete them, then " if report.unreadable else "")
        why = f"why: {first_error(report)}; fix that, then " if report.errors else ""
        click.echo(f"{report.failed} mention(s) did not land in {report.target} (first: "
                   f"{', '.join(report.failed_ids[:3])}); {why}{unreadable}run the same command again to continue",
                   err=True)
        sys.exit(EXIT_UNSTORED)


@cli.group()
def config() -> None:
    """Configuration helpers."""


@config.command("check")
@click.argument("path", type=click.Path(dir_okay=False), required=False)
@optional_config_option
def config_check(path: str | None, config_path: str | None) -> None:
    """Validate a config file (PATH, -c/--config or $GROUNDSWELL_CONFIG, as every command reads it): every problem
    at once, then what a run would trip over (exit codes in README)."""
    path = config_path_of(path, config_path)
    cfg = _load(path)
    counts = f"{len(cfg.brands)} brand(s), {len(cfg.sources)} source(s), store {cfg.store.type}"
    warnings = config_warnings(cfg)
    notes = [f"  note: {line}" for line in config_notes(cfg)]  # information: never changes the exit code
    if not warnings:
        click.echo("\n".join([f"{path}: OK ({counts})", *notes]))
        return
    click.echo(f"{path}: valid ({counts}), but {len(warnings)} thing(s) will fail at run time:")
    for line in warnings:
        click.echo(f"  - {line}")
    for line in notes:
        click.echo(line)
    sys.exit(EXIT_PARTIAL)


@config.command("show")
@click.argument("path", type=click.Path(dir_okay=False), required=False)
@optional_config_option
@click.option("--brand", "brand_name", help="Only this brand")
def config_show(path: str | None, config_path: str | None, brand_name: str | None) -> None:
    """Print the alert rules that judge each brand, one JSON line per brand: what it sets for itself (`own`,
    `brands[].alerts`) and the global `alerts:` rules merged with it, its spike preset resolved to numbers."""
    cfg = _load(config_path_of(path, config_path), brand_name)  # an unknown --brand exits 1, as in every command
    for brand in [b for b in cfg.brands if brand_name is None or b.name == brand_name]:
        click.echo(json.dumps(brand_rules_shown(cfg.alerts, brand), ensure_ascii=False))


def main() -> None:
    cli(prog_name="groundswell")


if __name__ == "__main__":
    main()
