"""`groundswell health [-c CONFIG] [--json]`: is this install healthy? One row per configured source × brand and
channel, the store, the sentiment model and each brand's newest post, each ok / warning / failing
(groundswell/health_rules.py); exit 0 unless something is failing (EXIT_UNHEALTHY: cron, Nagios, Kubernetes).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from groundswell.cli_options import config_option, load_cli_config
from groundswell.config import Config
from groundswell.exit_codes import EXIT_OK, EXIT_UNHEALTHY
from groundswell.health import one_line
from groundswell.health_check import collection_rows
from groundswell.health_probe import model_problem, sqlite_facts, store_problem
from groundswell.health_rules import STALE_POST_DAYS, Row, overall
from groundswell.pipeline import open_store
from indexing.config import SqliteStoreConfig


@click.command("health")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table")
@click.option("--interval", "interval_min", type=click.FloatRange(min=1), default=None,
              help="Minutes between scheduled collections (Airflow's ingest DAG: 15): a source with no success for "
                   "3 intervals is failing. Unset: that rule is off")
@click.option("--stale-days", type=click.FloatRange(min=0), default=STALE_POST_DAYS, show_default=True,
              help="A brand whose newest post is older than this many days is a warning")
def health(config_path: str, as_json: bool, interval_min: float | None, stale_days: float) -> None:
    """Say whether collection, the store, the model and delivery are healthy: when each source last succeeded,
    failures and empty runs in a row, alerts a channel owes, each brand's newest post. Exit 0 when nothing is
    failing (warnings included), 8 when something is (README, "Exit codes")."""
    config = load_cli_config(config_path)
    now = datetime.now(UTC)
    rows = check(config, now, timedelta(minutes=interval_min) if interval_min else None, stale_days)
    status = overall(rows)
    if as_json:
        click.echo(json.dumps({"status": status, "checked_at": now.isoformat(timespec="seconds"),
                               "rows": [r.as_dict() for r in rows]}, ensure_ascii=False))
    else:
        click.echo(render(rows, status))
    sys.exit(EXIT_UNHEALTHY if status == "failing" else EXIT_OK)


def check(config: Config, now: datetime, interval: timedelta | None, stale_days: float) -> list[Row]:
    """Every row: the store first (nothing else can be read without it), then the model, sources, channels,
    brands."""
    rows: list[Row] = []
    store_row, store = _store(config)
    rows.append(store_row)
    what, problem = model_problem(config.nlp)
    rows.append(Row("model", "sentiment", "failing" if problem else "ok", f"{what}: {problem}" if problem else what,
                    f"enrich cannot tag posts: {problem}" if problem else ""))
    if store is None:
        return rows
    try:
        rows += collection_rows(config, store, now, interval, stale_days)
    except Exception as exc:  # noqa: BLE001 - a store that fails part-way is a failing store, said in one line
        rows.append(Row("store", "read", "failing", one_line(f"{type(exc).__name__}: {exc}"),
                        "the store answered the probe but failed a read: see `groundswell -v health`"))
    finally:
        store.close()
    return rows


def _store(config: Config) -> tuple[Row, object | None]:
    """The store's row, and the open store when it answered (None else)."""
    facts: dict = {}
    if isinstance(config.store, SqliteStoreConfig):
        path = Path(config.store.path)
        if not path.exists():  # never made by a probe: opening would create an empty store
            return Row("store", "sqlite", "failing", f"{path} does not exist",
                       "run `groundswell run` once to create it, or fix store.path"), None
        sq = sqlite_facts(str(path))
        facts = {"path": str(path), "size_bytes": sq.size_bytes, "busy": sq.busy}
    name = "sqlite" if isinstance(config.store, SqliteStoreConfig) else "elasticsearch"
    try:
        store = open_store(config)
    except Exception as exc:  # noqa: BLE001 - cannot open: the answer, in one line
        return Row("store", name, "failing", one_line(f"{type(exc).__name__}: {exc}"),
                   "the store cannot be opened: fix it (restore a backup, start the cluster) before anything runs",
                   facts), None
    problem = store_problem(store)
    if problem:
        store.close()
        return Row("store", name, "failing", problem,
                   "the store cannot be read: restore it from a backup, or start the cluster", facts), None
    detail = "answers"
    if facts.get("size_bytes") is not None:
        detail += f", {facts['size_bytes'] / 1e6:.1f} MB"
    if facts.get("busy"):
        detail += ", write lock held by another process now (a run, maintain, the dashboard)"
    return Row("store", name, "ok", detail, "", facts or None), store


def render(rows: list[Row], status: str) -> str:
    """The table: status, kind, name, detail; then what to do, for each row that is not ok."""
    width = max((len(r.name) for r in rows), default=4)
    lines = [f"{r.status.upper():8} {r.kind:8} {r.name:{width}}  {r.detail}" for r in rows]
    todo = [f"- {r.action}" for r in rows if r.status != "ok" and r.action]
    if todo:
        lines += ["", "What to do:", *todo]
    lines += ["", f"overall: {status}"]
    return "\n".join(lines)
